package parquetio

// DerivedFromDict is how many derived columns were computed from
// dictionary entries so far (engine tests).
func DerivedFromDict() int64 { return derivedFromDict.Load() }
