"""Reading and writing files: event files (YAML/JSON), JAIR B2B instances (.dzn), results."""
