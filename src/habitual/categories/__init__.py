"""Categories: admin-managed labels that people put on their habits (many-to-many)."""
