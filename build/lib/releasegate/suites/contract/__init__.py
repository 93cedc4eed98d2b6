"""Content of the contract layer (schemathesis hooks and its starting config); see README.md."""
