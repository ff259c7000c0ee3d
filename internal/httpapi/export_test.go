package httpapi

// DecodeJSON exposes the strict JSON decoder to the external tests.
func DecodeJSON(data []byte, maxDepth int) (any, error) { return decodeJSON(data, maxDepth) }

// MediaType exposes the Content-Type parser to the external tests.
var MediaType = mediaType
