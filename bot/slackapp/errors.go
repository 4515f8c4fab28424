package slackapp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// ErrorAnswer turns an error a feature knows how to explain into the
// answer to a request — a client name that matches several clients answered
// with a button per client — and reports whether it did.
type ErrorAnswer func(r *Request, err error) (Message, bool)

// recoverPanic turns a handler's panic into an apology and a log line.
func (rt *Router) recoverPanic(ctx context.Context, req *Request) {
	p := recover()
	if p == nil {
		return
	}
	req.failed = true
	ref := newRef()
	rt.Log.Error("handler panicked", "ref", ref, "kind", req.Kind, "key", req.RouteKey,
		"user", req.UserID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	actx, cancel := answerContext(ctx)
	defer cancel()
	req.answer(actx, Text(apology(ref)))
}

// fail answers a handler's error.
func (rt *Router) fail(ctx context.Context, req *Request, err error) {
	ctx, cancel := answerContext(ctx)
	defer cancel()
	code := atlas.ErrorCode(err)
	unavailable := rt.unavailable != nil && rt.unavailable(err)
	if code == atlas.EInternal || unavailable {
		req.failed = true
	}
	if rt.unattended(req, "request failed", err.Error()) {
		return
	}
	if unavailable {
		rt.databaseDown(ctx, req, err)
		return
	}
	if code == atlas.EInternal {
		ref := newRef()
		rt.Log.Error("handler failed", "ref", ref, "kind", req.Kind, "key", req.RouteKey, "user", req.UserID, "err", err)
		if req.Kind == KindSubmit {
			req.Ack(nil)
		}
		req.answer(ctx, Text(apology(ref)))
		return
	}
	rt.Log.Info("request refused", "kind", req.Kind, "key", req.RouteKey, "user", req.UserID, "code", code, "reason", atlas.ErrorMessage(err))
	if req.Kind == KindCommand {
		rt.mu.RLock()
		answerers := rt.answerers
		rt.mu.RUnlock()
		for _, a := range answerers {
			if m, ok := a(req, err); ok {
				req.answer(ctx, m)
				return
			}
		}
	}
	var fields atlas.FieldErrors
	if req.Kind == KindSubmit && errors.As(err, &fields) && len(fields) > 0 && req.Ack(slack.NewErrorsViewSubmissionResponse(fields.Fields())) {
		return
	}
	if req.Kind == KindSubmit {
		field := atlas.ErrorField(err)
		if field != "" && req.Ack(slack.NewErrorsViewSubmissionResponse(map[string]string{field: atlas.ErrorMessage(err)})) {
			return
		}
		req.Ack(nil)
	}
	req.answer(ctx, Text(ErrorText(err)))
}

// DatabaseDown is the answer while the database cannot be reached.
const DatabaseDown = ":electric_plug: Atlas can't reach its database just now, so nothing was saved. Please try again in a minute."

// databaseDown answers a request the database's absence failed. The first
// failure of an outage is logged as an error with a reference; the rest,
// until the database answers again, quietly.
func (rt *Router) databaseDown(ctx context.Context, req *Request, err error) {
	if rt.outage.CompareAndSwap(false, true) {
		rt.Log.Error("database unreachable", "ref", newRef(), "kind", req.Kind, "key", req.RouteKey, "err", err)
	} else {
		rt.Log.Debug("database still unreachable", "kind", req.Kind, "key", req.RouteKey)
	}
	if req.Kind == KindOptions {
		req.Options(nil)
		return
	}
	if req.Kind == KindEvent {
		return
	}
	if req.Kind == KindSubmit {
		req.Ack(nil)
	}
	req.answer(ctx, Text(DatabaseDown))
}

// ErrorText is an error as a person reads it, marked by its kind.
func ErrorText(err error) string {
	switch atlas.ErrorCode(err) {
	case atlas.EForbidden:
		return ":no_entry: " + atlas.ErrorMessage(err)
	default:
		return ":warning: " + atlas.ErrorMessage(err)
	}
}

func apology(ref string) string {
	return fmt.Sprintf(":face_with_head_bandage: Sorry, something went wrong on our side and nothing was changed. "+
		"If it keeps happening, tell your admin the reference `%s`.", ref)
}

func newRef() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "E-" + strings.ToUpper(hex.EncodeToString(b))
}
