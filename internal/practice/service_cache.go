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
	// dropped, when set, is told of each invalidation: the practice, or ""
	// for all (as listening starts or stops). Tests set it.
	dropped func(atlas.PracticeID)
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
	// Starting or stopping to listen drops all too: an unchanged
	// generation means the cache listens still, and nothing changed.
	if c.gen == gen {
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

// setListening says whether the cache listens from now on, and drops all
// it holds: what was cached before listening started may have missed a
// change, and nothing is kept once it stops.
func (c *ServiceCache) setListening(on bool) {
	c.mu.Lock()
	c.listening = on
	c.mu.Unlock()
	c.drop("")
}

// Run listens for changes on a connection of its own from pool until ctx
// ends, connecting again (after a pause that grows to 30 s) when the
// connection fails; the cache keeps nothing while it is not listening.
func (c *ServiceCache) Run(ctx context.Context, pool *pgxpool.Pool) {
	const first = 500 * time.Millisecond
	pause := first
	for ctx.Err() == nil {
		listened, err := c.listen(ctx, pool)
		c.setListening(false)
		if ctx.Err() != nil {
			return
		}
		if listened {
			// A connection that listened, then failed: the next one is
			// tried soon, however long ago the last failure was.
			pause = first
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

// listen listens on a connection of its own until it fails or ctx ends;
// listened reports whether it got as far as listening.
func (c *ServiceCache) listen(ctx context.Context, pool *pgxpool.Pool) (listened bool, err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	// The connection listens for as long as Run does: it is taken out of
	// the pool rather than returned with LISTEN still in force, and closed
	// here (within a few seconds, however dead the network).
	raw := conn.Hijack()
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		raw.Close(closeCtx)
	}()
	if _, err := raw.Exec(ctx, "LISTEN "+pgx.Identifier{ServicesChannel}.Sanitize()); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	c.setListening(true)
	for {
		n, err := raw.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		c.drop(atlas.PracticeID(n.Payload))
	}
}
