package exec

// Restreams is the number of streamed aggregations that read their scan in
// full after all (stream.go).
func Restreams() int64 { return restreams.Load() }
