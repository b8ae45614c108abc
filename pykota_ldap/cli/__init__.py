"""The commands: thin click layers over the library."""
