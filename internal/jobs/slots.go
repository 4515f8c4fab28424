package jobs

import (
	"time"

	"github.com/robfig/cron/v3"
)

// maxSlotSteps bounds the slot-by-slot walk, so that a frequent spec far
// behind (every second since a practice was created a year ago) cannot stall
// the tick.
const maxSlotSteps = 10_000

// latestSlot returns the latest slot of sched in (after, now] and how many
// earlier slots in that range it stands in for. ok is false when no slot is
// due.
//
// It walks the slots one by one so the count of skipped slots is exact. When
// there are more than maxSlotSteps, it finds the latest slot by binary search
// instead, and skipped is then only a lower bound. (For @every specs, whose
// slots count from the previous one, that search re-anchors them on now.)
func latestSlot(sched cron.Schedule, after, now time.Time) (slot time.Time, skipped int, ok bool) {
	last, n, done := walkSlots(sched, after, now)
	if done {
		return last, n - 1, n > 0
	}
	// Next is monotonic, so "the slot after t is due" holds up to some
	// instant and fails after it. Narrow that instant down to a second,
	// cron's resolution, then walk the few slots left.
	lo, hi := last, now
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2)
		if due(sched.Next(mid), mid, now) {
			lo = mid
		} else {
			hi = mid
		}
	}
	slot, _, _ = walkSlots(sched, lo, now)
	return slot, n, true
}

// walkSlots steps through the slots after from that are due by now, at most
// maxSlotSteps of them. It returns the last slot reached (from if none), how
// many it stepped through, and whether it got to the end.
func walkSlots(sched cron.Schedule, from, now time.Time) (last time.Time, n int, done bool) {
	last = from
	for ; n < maxSlotSteps; n++ {
		next := sched.Next(last)
		if !due(next, last, now) {
			return last, n, true
		}
		last = next
	}
	return last, n, false
}

// due reports whether next, the slot after t, has come by now. robfig
// returns the zero time for a spec that never fires again (30 February), and
// a slot not after t would never advance: both mean no.
func due(next, t, now time.Time) bool {
	return !next.IsZero() && next.After(t) && !next.After(now)
}
