"""Anonymous opinion polls for the Coal and Mining Trade Union of Vietnam."""
