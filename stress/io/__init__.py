"""Loading profiles and scenarios from YAML/JSON files, with located errors."""
