package schema

// DBError exposes dbError to the external tests.
var DBError = dbError
