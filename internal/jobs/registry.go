package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/robfig/cron/v3"
)

// Periodic is a job that runs on a schedule for every practice.
type Periodic struct {
	// Name identifies the job in job_slots, so it must never change once
	// the job has run, or every practice would run it again.
	Name string
	// Spec is a cron spec with five fields or a descriptor (@daily,
	// @every 1h), read in each practice's own timezone. Avoid times in the
	// hour that daylight saving skips or repeats (01:00-02:00 in London):
	// such a slot does not run on the spring day and runs twice on the
	// autumn one.
	Spec string
	// Run does the work for one practice and slot, in the transaction that
	// claims the slot: returning an error rolls both back and the slot is
	// retried on the next tick. slot is in the practice's location.
	Run func(ctx context.Context, tx pgx.Tx, p Practice, slot time.Time) error
}

// Practice is what a periodic job needs to know about the practice it runs
// for.
type Practice struct {
	ID       string
	Location *time.Location
}

// Registry holds the periodic jobs. Feature packages add theirs while the
// program is wired together, before the Engine starts.
type Registry struct {
	mu   sync.Mutex
	jobs []Periodic
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{} }

// AddPeriodic registers p, checking it first so that a mistake fails at
// start-up rather than silently on the first tick.
func (r *Registry) AddPeriodic(p Periodic) error {
	if strings.TrimSpace(p.Name) == "" {
		return errors.New("jobs: periodic job has no name")
	}
	if p.Run == nil {
		return fmt.Errorf("jobs: periodic job %q has no Run function", p.Name)
	}
	if _, err := parseSpec(p.Spec, time.UTC); err != nil {
		return fmt.Errorf("jobs: periodic job %q: %w", p.Name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, j := range r.jobs {
		if j.Name == p.Name {
			return fmt.Errorf("jobs: periodic job %q is already registered", p.Name)
		}
	}
	r.jobs = append(r.jobs, p)
	return nil
}

// list returns a copy of the jobs, so a tick never races with AddPeriodic.
func (r *Registry) list() []Periodic {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Periodic(nil), r.jobs...)
}

// parseSpec reads a cron spec in loc.
func parseSpec(spec string, loc *time.Location) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("empty cron spec")
	}
	// The timezone is the practice's, not the spec's. robfig would also
	// panic on a timezone prefix with nothing after it.
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, fmt.Errorf("cron spec %q names a timezone; specs are read in each practice's timezone", spec)
	}
	sched, err := cron.ParseStandard("CRON_TZ=" + loc.String() + " " + spec)
	if err != nil {
		return nil, fmt.Errorf("cron spec %q: %w", spec, err)
	}
	return sched, nil
}
