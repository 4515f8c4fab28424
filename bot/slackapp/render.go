package slackapp

import (
	"context"
	"errors"

	"github.com/atlas-practice/atlas/internal/outbox"
)

// RenderFunc draws the message an outbox post or update asks for, from the
// database as it stands when the message is sent: post.Subject says what
// it is about, post.Channel where it goes (a user id for a DM).
type RenderFunc func(ctx context.Context, post outbox.Post) (Message, error)

// ErrNothingToSay is what a renderer returns when its subject no longer
// calls for a message (the timer was stopped, the invoice deleted): the
// post is dropped, not retried.
var ErrNothingToSay = errors.New("nothing to say")

// HandleRender registers the renderer of the outbox messages named name.
// Features register theirs with their routes.
func (rt *Router) HandleRender(name string, fn RenderFunc) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if _, dup := rt.renderers[name]; dup {
		panic("slackapp: renderer " + name + " registered twice")
	}
	rt.renderers[name] = fn
}

// Renderer is the renderer registered as name.
func (rt *Router) Renderer(name string) (RenderFunc, bool) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	fn, ok := rt.renderers[name]
	return fn, ok
}

// File is a file to upload: an invoice's PDF.
type File struct {
	Name    string // the file name, invoice-INV-2026-0042.pdf
	Title   string
	Comment string // the message that comes with it
	Data    []byte
}

// FileFunc draws the file an outbox upload asks for, when it is sent.
type FileFunc func(ctx context.Context, post outbox.Post) (File, error)

// HandleFile registers the renderer of the outbox uploads named name.
func (rt *Router) HandleFile(name string, fn FileFunc) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if _, dup := rt.files[name]; dup {
		panic("slackapp: file renderer " + name + " registered twice")
	}
	rt.files[name] = fn
}

// FileRenderer is the file renderer registered as name.
func (rt *Router) FileRenderer(name string) (FileFunc, bool) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	fn, ok := rt.files[name]
	return fn, ok
}
