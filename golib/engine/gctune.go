package engine

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
)

// The Go collector sets its next goal at (1 + GOGC/100) times the heap
// that was live after the last collection. Between runs flern's heap is
// small (results go to the caller; readers collect before large scans to
// reuse memory), so at the start of a query the goal is a few MiB and a
// query that streams a few hundred MiB of decoded pages through its
// operators collected ten times or more, each collection stopping every
// worker (TPC-H Q9 at SF1: 35 collections in two runs). The tuner gives the
// goal a floor: after every collection it sets GOGC so that the next goal
// is at least gcFloor bytes (GOGC = 100 once the live heap alone is half
// the floor), which bounds the garbage waiting at any time by the floor
// instead of by a multiple of a large live heap. FLERN_GC_FLOOR (bytes; 0
// off) changes it; a GOGC set in the environment turns the tuner off.

// gcFloorDefault is the default floor of the collector's goal.
const gcFloorDefault = 64 << 20

var gcTunerOnce sync.Once

// startGCTuner starts the tuner once per process (see above).
func startGCTuner() {
	gcTunerOnce.Do(func() {
		if os.Getenv("GOGC") != "" {
			return
		}
		floor := uint64(gcFloorDefault)
		if s := os.Getenv("FLERN_GC_FLOOR"); s != "" {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return
			}
			floor = v
		}
		if floor == 0 {
			return
		}
		t := &gcTuner{floor: floor, percent: 100, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
		t.tune()
		t.arm()
	})
}

type gcTuner struct {
	floor   uint64
	percent int
	sample  []metrics.Sample
}

// arm registers a finalizer on a fresh object, which runs after the next
// collection; it retunes and arms again.
func (t *gcTuner) arm() {
	s := new([16]byte)
	runtime.SetFinalizer(s, func(*[16]byte) {
		t.tune()
		t.arm()
	})
}

// tune sets GOGC from the heap live after the last collection.
func (t *gcTuner) tune() {
	metrics.Read(t.sample)
	live := uint64(0)
	if t.sample[0].Value.Kind() == metrics.KindUint64 {
		live = t.sample[0].Value.Uint64()
	}
	p := 100
	if live < t.floor/2 {
		p = int(min(uint64(100*(t.floor-live)/max(live, 1<<20)), 10000))
		p = max(p, 100)
	}
	// retune only on a real change (SetGCPercent takes the heap lock)
	if p != t.percent && (p > t.percent*5/4 || p < t.percent*4/5 || p == 100) {
		t.percent = p
		debug.SetGCPercent(p)
	}
}
