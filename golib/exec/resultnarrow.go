package exec

// Narrowed result-cache entries: a probe keeps only the columns it reads of
// the frame it probes, without the frame's index labels, so a later plan
// that reads a subset of those columns and never observes the labels reads
// the entry in place of the subplan (TPC-H q14: float(promo) keeps the
// filtered lineitem x part join's three columns, and rev.sum() reads two of
// them instead of scanning and joining again). Keeping costs a column
// selection of a frame the probe computes anyway; engine.Compile decides
// what to keep and where an entry may stand in.

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/flern/flern/golib/col"
)

// NarrowKey is the key of the entry holding columns cols (in that order) of
// the subplan under base, with a fresh RangeIndex.
func NarrowKey(base string, cols []string) string {
	var b strings.Builder
	b.WriteString("narrow <" + base + ">")
	for _, c := range cols {
		b.WriteString(" " + strconv.Quote(c))
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}

// PutNarrow keeps f, the columns of the subplan under base named by
// f.Names with a fresh RangeIndex, under key (NarrowKey), as Put does.
func (rc *ResultCache) PutNarrow(key, base string, f *col.Frame, files []FileID) {
	if base == "" || f == nil || len(f.Index) != 0 {
		return
	}
	rc.put(key, base, f, files)
}

// Narrowed returns a narrowed entry of the subplan under base holding every
// column in need (the one with the fewest columns), its key, and marks it
// recently used.
func (rc *ResultCache) Narrowed(base string, need []string) (key string, f *col.Frame, ok bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	best := -1
	for k, cols := range rc.narrow[base] {
		if (best < 0 || len(cols) < best || len(cols) == best && k < key) && covers(cols, need) {
			key, best = k, len(cols)
		}
	}
	if best < 0 {
		return "", nil, false
	}
	e := rc.entries[key]
	rc.lru.MoveToFront(e)
	rc.stats.Hits++
	return key, e.Value.(*cacheEntry).frame, true
}

// HasNarrowed reports whether a narrowed entry of the subplan under base
// holds every column in need (no LRU update, no statistics).
func (rc *ResultCache) HasNarrowed(base string, need []string) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, cols := range rc.narrow[base] {
		if covers(cols, need) {
			return true
		}
	}
	return false
}

// covers reports whether have holds every name in need.
func covers(have, need []string) bool {
	set := make(map[string]bool, len(have))
	for _, c := range have {
		set[c] = true
	}
	for _, c := range need {
		if !set[c] {
			return false
		}
	}
	return true
}
