"""YAML in: the safe reader, the schema, compilation to the model, the cache, validation, git sources."""
