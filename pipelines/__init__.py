"""DataPilot's engine: ingest, semantic model, query sandbox, AI. Imports no Panel or web code."""
