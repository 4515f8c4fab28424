package practice

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// ServicesChannel is the PostgreSQL notification channel a change to a
// practice's services is announced on (by the services_changed trigger),
// with the practice id as payload.
const ServicesChannel = "atlas_services"

// ServiceCache keeps each practice's active services in memory: every /log
// and /timer line reads them, and they change a few times a year. A change
// made through any replica (or any SQL at all) fires a notification that
// every replica's cache listens for and drops the practice's entry on, so
// a replica never answers from a list another has changed. While the cache
// is not listening (before Run connects, after its connection drops) it
// keeps nothing and reads through to the database.
type ServiceCache struct {
	Store Store // where services are read
	Log   *slog.Logger

	mu        sync.Mutex
	listening bool
	gen       uint64 // bumped by each invalidation: a read that saw one in flight keeps nothing
	entries   map[atlas.PracticeID][]Service
	// dropped and listened, when set, are told of each invalidation (the
	// practice, "" for all) and of each start of listening (tests).
	dropped  func(atlas.PracticeID)
	listened func()
}

// NewServiceCache returns a cache reading through store; Run must be
// running for it to keep anything.
func NewServiceCache(store Store, log *slog.Logger) *ServiceCache {
	return &ServiceCache{Store: store, Log: log, entries: map[atlas.PracticeID][]Service{}}
}

// Services is Store.Services, from memory when the cache holds the
// practice. The slice returned is the caller's.
func (c *ServiceCache) Services(ctx context.Context, pid atlas.PracticeID) ([]Service, error) {
	c.mu.Lock()
	list, ok := c.entries[pid]
	gen, listening := c.gen, c.listening
	c.mu.Unlock()
	if ok {
		return slices.Clone(list), nil
	}
	list, err := c.Store.Services(ctx, pid)
	if err != nil || !listening {
		return list, err
	}
	c.mu.Lock()
	if c.gen == gen && c.listening {
		c.entries[pid] = slices.Clone(list)
	}
	c.mu.Unlock()
	return list, nil
}

// drop forgets pid's services (all practices' when pid is ""), and any
// read in flight.
func (c *ServiceCache) drop(pid atlas.PracticeID) {
	c.mu.Lock()
	c.gen++
	if pid == "" {
		clear(c.entries)
	} else {
		delete(c.entries, pid)
	}
	hook := c.dropped
	c.mu.Unlock()
	if hook != nil {
		hook(pid)
	}
}

func (c *ServiceCache) setListening(on bool) {
	c.mu.Lock()
	c.listening = on
	c.mu.Unlock()
	if !on {
		c.drop("")
	}
}

// Run listens for changes on a connection of its own from pool until ctx
// ends, connecting again (after a pause that grows to 30 s) when the
// connection fails; the cache keeps nothing while it is not listening.
func (c *ServiceCache) Run(ctx context.Context, pool *pgxpool.Pool) {
	pause := 500 * time.Millisecond
	for ctx.Err() == nil {
		err := c.listen(ctx, pool)
		c.setListening(false)
		if ctx.Err() != nil {
			return
		}
		c.Log.Warn("service cache: not listening; reading services from the database", "err", err, "retry_in", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

func (c *ServiceCache) listen(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection listens for as long as Run does: it is taken out of
	// the pool rather than returned with LISTEN still in force.
	raw := conn.Hijack()
	defer raw.Close(context.WithoutCancel(ctx))
	if _, err := raw.Exec(ctx, "LISTEN "+pgx.Identifier{ServicesChannel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// Anything cached before now may have missed a change.
	c.drop("")
	c.setListening(true)
	if c.listened != nil {
		c.listened()
	}
	for {
		n, err := raw.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		c.drop(atlas.PracticeID(n.Payload))
	}
}
