"""The JSON API: Family View's own endpoints under /api/v1/ and the Family Context
reference API's under /api/, with the same permissions, purposes and audit as the pages."""
