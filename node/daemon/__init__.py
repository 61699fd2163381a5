"""The node daemon: chain log, executor, trace server and the loop that takes part in rounds."""
