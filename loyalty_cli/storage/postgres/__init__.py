"""A programme in PostgreSQL: the same unit of work in tables; psycopg2 loads only when a URL is given."""
