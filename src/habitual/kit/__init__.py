"""Small shared building blocks: types, time, pagination, secrets, middleware."""
