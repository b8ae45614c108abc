"""Reports: dumpykota datasets and formats, repykota text, PyKota date forms."""
