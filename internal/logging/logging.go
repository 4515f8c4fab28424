// Package logging builds Atlas's slog logger: JSON for production, text for
// local runs, and a scrubber that replaces any configured secret with
// "[redacted]" wherever it appears — in a message, an attribute, an error
// string — so a token pasted into an error never reaches the log. Every
// time.Duration is logged as milliseconds under its key with "_ms" added
// ("took" becomes "took_ms": 12.5), so log queries compare numbers.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// Options say how to log.
type Options struct {
	Level   string   // debug, info, warn, error
	Format  string   // json or text
	Secrets []string // values that must never be written
}

// New returns a logger writing to w.
func New(w io.Writer, o Options) *slog.Logger {
	var level slog.Level
	switch strings.ToLower(o.Level) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		level = slog.LevelInfo
	}
	var secrets []string
	for _, s := range o.Secrets {
		// Very short values would scrub ordinary words; real secrets are long.
		if len(s) >= 6 {
			secrets = append(secrets, s)
		}
	}
	scrub := strings.NewReplacer(pairs(secrets)...)
	hopts := &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			a = Milliseconds(a)
			if len(secrets) == 0 {
				return a
			}
			v := a.Value.Resolve()
			switch v.Kind() {
			case slog.KindString:
				a.Value = slog.StringValue(scrub.Replace(v.String()))
			case slog.KindAny:
				// Errors, slices and structs are rendered from their string
				// form, which is where a leaked secret would hide; a value is
				// replaced by its scrubbed text only when it holds a secret.
				var text string
				if e, ok := v.Any().(error); ok {
					text = e.Error()
				} else {
					text = fmt.Sprintf("%+v", v.Any())
				}
				if clean := scrub.Replace(text); clean != text {
					a.Value = slog.StringValue(clean)
				} else if _, ok := v.Any().(error); ok {
					a.Value = slog.StringValue(text)
				}
			}
			return a
		},
	}
	var h slog.Handler
	if strings.ToLower(o.Format) == "text" {
		h = slog.NewTextHandler(w, hopts)
	} else {
		h = slog.NewJSONHandler(w, hopts)
	}
	if len(secrets) > 0 {
		h = &scrubMessage{Handler: h, scrub: scrub}
	}
	return slog.New(h)
}

// Milliseconds turns an attribute holding a time.Duration into its length
// in milliseconds, a float, under the key with "_ms" added (once: a key
// already ending in "_ms" keeps it). Any other attribute is returned as is.
func Milliseconds(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if v.Kind() != slog.KindDuration {
		return a
	}
	key := a.Key
	if !strings.HasSuffix(key, "_ms") {
		key += "_ms"
	}
	return slog.Float64(key, float64(v.Duration())/float64(time.Millisecond))
}

func pairs(secrets []string) []string {
	out := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		out = append(out, s, "[redacted]")
	}
	return out
}

// scrubMessage scrubs the record's message, which ReplaceAttr never sees.
type scrubMessage struct {
	slog.Handler
	scrub *strings.Replacer
}

func (h *scrubMessage) Handle(ctx context.Context, r slog.Record) error {
	if msg := h.scrub.Replace(r.Message); msg != r.Message {
		nr := slog.NewRecord(r.Time, r.Level, msg, r.PC)
		r.Attrs(func(a slog.Attr) bool { nr.AddAttrs(a); return true })
		r = nr
	}
	return h.Handler.Handle(ctx, r)
}

func (h *scrubMessage) WithAttrs(as []slog.Attr) slog.Handler {
	return &scrubMessage{Handler: h.Handler.WithAttrs(as), scrub: h.scrub}
}

func (h *scrubMessage) WithGroup(name string) slog.Handler {
	return &scrubMessage{Handler: h.Handler.WithGroup(name), scrub: h.scrub}
}
