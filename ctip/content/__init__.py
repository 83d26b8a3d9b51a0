"""Content side: schemas, loaders and source references for the files in data/."""
