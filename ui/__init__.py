"""Dashboard helpers shared by the pages: data access, filters, exports, charts, styling."""
