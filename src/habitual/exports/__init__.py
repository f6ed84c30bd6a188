"""The account export: everything of one person as JSON, as CSV files, or in Loop's layout."""
