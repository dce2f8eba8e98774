package engine

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestGCTunerRaisesSmallHeapsGoal: while a big run is in progress, with a
// small live heap the tuner (started by the package's init) sets GOGC so the
// next goal reaches the floor; the goal a large live heap gets, and every
// goal outside big runs, is left at GOGC=100.
func TestGCTunerRaisesSmallHeapsGoal(t *testing.T) {
	if os.Getenv("GOGC") != "" || os.Getenv("FLERN_GC_FLOOR") != "" {
		t.Skip("the environment sets the collector")
	}
	percent := func() int {
		for range 3 { // the tuner runs as a finalizer after a collection
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
		p := debug.SetGCPercent(100)
		debug.SetGCPercent(p)
		return p
	}
	if p := percent(); p != 100 {
		t.Fatalf("GOGC %d outside a big run, want 100", p)
	}
	bigRuns.Add(1)
	defer bigRuns.Add(-1)
	if p := percent(); p <= 100 {
		t.Fatalf("GOGC %d with a small heap in a big run, want above 100", p)
	}
	big := make([]byte, 2*gcFloorDefault) // live: more than the floor
	for i := range big {
		big[i] = 1
	}
	if p := percent(); p != 100 {
		t.Fatalf("GOGC %d with a live heap over the floor, want 100", p)
	}
	runtime.KeepAlive(big)
}
