package timetrack

import (
	"context"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// today is the practice's calendar date now.
func today(r *slackapp.Request) time.Time { return r.Practice.Today(r.Now()) }

// actor is the caller as the time store checks them.
func actor(r *slackapp.Request) timesheet.Actor {
	return timesheet.Actor{ID: r.Member.ID, Role: r.Member.Role}
}

// practiceServices are the practice's services, read once per command.
type practiceServices []practice.Service

func (h handlers) servicesOf(ctx context.Context, r *slackapp.Request) (practiceServices, error) {
	return h.Practice.Services(ctx, r.Practice.ID)
}

// find is the service a word names: its code, or its name.
func (list practiceServices) find(word string) (practice.Service, bool) {
	for _, s := range list {
		if strings.EqualFold(s.Code, word) || strings.EqualFold(s.Name, word) {
			return s, true
		}
	}
	return practice.Service{}, false
}

// names reports whether a word names a service, for the parsers.
func (list practiceServices) names(word string) bool { _, ok := list.find(word); return ok }

func serviceOptions(list []practice.Service) []blockkit.Option {
	out := make([]blockkit.Option, 0, len(list))
	for _, s := range list {
		out = append(out, blockkit.Option{Value: ui.ID(s.ID), Label: s.Name})
	}
	return out
}

// resolveWork finds the client and the service (optional) a person named,
// the service among those already read for parsing.
func (h handlers) resolveWork(ctx context.Context, r *slackapp.Request, list practiceServices, client, service string) (practice.Entity, *int64, error) {
	e, err := h.Practice.LookupEntity(ctx, r.Practice.ID, client)
	if err != nil || service == "" {
		return e, nil, err
	}
	s, ok := list.find(service)
	if !ok {
		return e, nil, atlas.Errorf(atlas.ENotFound, "No service called %q. `/atlas services` lists them.", service)
	}
	return e, &s.ID, nil
}
