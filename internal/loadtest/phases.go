package loadtest

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Phase is one shape of load.
type Phase struct {
	Name string
	// Paced people wait Pause (± half) between their requests; unpaced
	// ones send the next as soon as the last is answered.
	Pause    time.Duration
	Duration time.Duration
	// Burst rounds send one request from every person at the same instant,
	// Rounds times.
	Rounds int
}

// Phases are the three shapes of the load test.
func Phases(paced, unpaced time.Duration, rounds int) []Phase {
	return []Phase{
		{Name: "paced", Pause: 4 * time.Second, Duration: paced},
		{Name: "burst", Rounds: rounds},
		{Name: "unpaced", Duration: unpaced},
	}
}

// Run plays a phase with every person and returns the samples.
func (d *Driver) Run(ctx context.Context, ph Phase) []Sample {
	people := d.prac.People
	var mu sync.Mutex
	var out []Sample
	add := func(s Sample) {
		mu.Lock()
		out = append(out, s)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	if ph.Rounds > 0 {
		for range ph.Rounds {
			start := make(chan struct{})
			for _, p := range people {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					add(d.Do(ctx, p))
				}()
			}
			close(start)
			wg.Wait()
		}
		return out
	}
	// A request under way when the phase ends is waited for; one under way
	// when the caller gives up is not.
	until, cancel := context.WithTimeout(ctx, ph.Duration)
	defer cancel()
	for i, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 99))
			for {
				if ph.Pause > 0 {
					// Each person's own rhythm: a request every Pause,
					// give or take half of it.
					wait := ph.Pause/2 + time.Duration(r.Int64N(int64(ph.Pause)))
					select {
					case <-until.Done():
						return
					case <-time.After(wait):
					}
				}
				if until.Err() != nil {
					return
				}
				add(d.Do(ctx, p))
			}
		}()
	}
	wg.Wait()
	return out
}
