package exec

import (
	"context"

	"github.com/flern/flern/golib/ir"
)

// Run runs `epochs` epochs in one call, the loop python/flern/train.py's
// fit uses when nothing has to happen in Python between epochs (no lr
// scheduler, no progress bar). Epoch e visits the rows
// perms[e*n:(e+1)*n] (n = len(perms)/epochs) as Epoch does and writes its
// step losses to losses[e*s:(e+1)*s], s = StepsPerEpoch(n). When val is
// not nil it is run after each completed epoch (a no-grad plan whose
// output 0 is the one-element validation loss, reading the parameters from
// the store) and its loss goes to valLosses[e].
//
// Run returns the steps completed over all its epochs and the number of
// epochs completed (each with its validation loss). A Cancel stops it
// after the step in progress (err nil); an error stops it where it
// happened (the steps before it were applied).
func (t *Trainer) Run(ctx context.Context, perms []int64, epochs int, losses []float64, val *ir.Graph, valLosses []float64) (steps, done int, err error) {
	t.cancelled.Store(false)
	if epochs <= 0 {
		return 0, 0, nil
	}
	if len(perms)%epochs != 0 {
		return 0, 0, ir.Errorf("Value", "%d row indices do not split into %d epochs", len(perms), epochs)
	}
	n := len(perms) / epochs
	spe := t.StepsPerEpoch(n)
	if len(losses) < epochs*spe {
		return 0, 0, ir.Errorf("Value", "room for %d losses, %d epochs have %d steps", len(losses), epochs, epochs*spe)
	}
	if val != nil && len(valLosses) < epochs {
		return 0, 0, ir.Errorf("Value", "room for %d validation losses, there are %d epochs", len(valLosses), epochs)
	}
	defer profileRun()() // one profile (and heap profile) for the whole call, not one per epoch
	for e := 0; e < epochs; e++ {
		k, err := t.epoch(ctx, perms[e*n:(e+1)*n], losses[e*spe:(e+1)*spe])
		steps += k
		if err != nil || k < spe || t.cancelled.Load() {
			return steps, done, err
		}
		if val != nil {
			out, err := t.runStep(val)
			if err != nil {
				return steps, done, err
			}
			if valLosses[e], err = scalarOf(out[0]); err != nil {
				return steps, done, err
			}
		}
		done++
	}
	return steps, done, nil
}

// StepsPerEpoch is the number of steps of an epoch over n rows: the full
// batches, plus one for the remaining rows when there is a tail plan.
func (t *Trainer) StepsPerEpoch(n int) int {
	bs := t.Spec.BatchSize
	if bs <= 0 {
		return 0
	}
	s := n / bs
	if n%bs > 0 && t.Tail != nil {
		s++
	}
	return s
}
