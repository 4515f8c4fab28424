package portal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	netmail "net/mail"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/jobs"
)

// Sign-in link requests allowed per hour, by address asked for and by the
// asking IP address.
const (
	PerEmailPerHour = 5
	PerIPPerHour    = 30
)

// loginPage is the sign-in page: the form asking for a link, with a
// message above it.
type loginPage struct {
	Title string
	Text  string
	Sent  bool
	Email string
}

// login signs in with the link's token (?t=), or shows the form asking
// for a link.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("t")
	if tok == "" {
		h.page(w, r, http.StatusOK, "login", loginPage{Title: "Sign in",
			Text: "Enter your email address and we will send you a link that signs you in."})
		return
	}
	_, err := h.deps.Signer.Resolve(r.Context(), h.deps.DB, tok, h.deps.Clock.Now())
	if errors.Is(err, ErrBadLink) {
		clearCookie(w, r)
		h.page(w, r, http.StatusForbidden, "login", loginPage{Title: "This link does not work — ask for a new one",
			Text: "Sign-in links work for a week, and stop working once you sign out or the practice withdraws them. Enter your email address and we will send you a new one."})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	setSession(w, r, tok)
	// A redirect, so the token leaves the address bar and the history.
	http.Redirect(w, r, "/portal", http.StatusSeeOther)
}

// requestLink emails a sign-in link to every contact with the address,
// answering the same whether there is one or not, so the form cannot be
// used to find out which addresses are known.
func (h *Handler) requestLink(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	addr := strings.TrimSpace(r.PostFormValue("email"))
	parsed, err := netmail.ParseAddress(addr)
	if addr == "" || err != nil || parsed.Name != "" || len(addr) > 254 {
		h.page(w, r, http.StatusBadRequest, "login", loginPage{Title: "Sign in", Email: addr,
			Text: "That does not look like an email address. Write it like name@example.com."})
		return
	}
	email := strings.ToLower(parsed.Address)
	ok, err := RequestLink(r.Context(), h.deps.DB, h.deps.Signer, email, clientIP(r), h.deps.Clock)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !ok {
		w.Header().Set("Retry-After", "3600")
		h.page(w, r, http.StatusTooManyRequests, "message", messagePage{Title: "Too many requests",
			Text: "Too many sign-in links have been asked for. Please wait an hour, then try again. A link already sent still works."})
		return
	}
	h.page(w, r, http.StatusOK, "login", loginPage{Title: "Check your email", Sent: true,
		Text: "If that address is known, a link is on its way. It works for a week."})
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s session) {
	if _, err := h.deps.DB.Exec(r.Context(), `UPDATE portal_links SET revoked_at = $3
		WHERE practice_id = $1 AND id = $2 AND revoked_at IS NULL`, s.Practice, s.LinkID, h.deps.Clock.Now()); err != nil {
		h.fail(w, r, err)
		return
	}
	clearCookie(w, r)
	h.page(w, r, http.StatusOK, "login", loginPage{Title: "You are signed out",
		Text: "The link you signed in with no longer works. To sign in again, ask for a new one."})
}

// clientIP is the address the request came from. Behind a proxy it is the
// proxy's unless the server is told to trust a forwarded header, which it
// is not: a header the client writes would let it dodge the limit.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// RequestLink records a request for a sign-in link for email from ip and,
// within the limits, makes a link for each contact with that address and
// queues its email, in one transaction. It returns false when the request
// is over a limit: then nothing is recorded or sent. The limits are
// counted in portal_login_requests under a transaction-scoped advisory
// lock per key, so replicas count together.
func RequestLink(ctx context.Context, q db.DB, s Signer, email, ip string, clock atlas.Clock) (bool, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	ok := false
	err := db.InTx(ctx, q, func(tx pgx.Tx) error {
		now := clock.Now()
		for _, k := range []struct {
			key   string
			limit int
		}{{"email:" + email, PerEmailPerHour}, {"ip:" + ip, PerIPPerHour}} {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 7041))`, k.key); err != nil {
				return fmt.Errorf("portal: lock %s: %w", k.key, err)
			}
			// What is past the hour no longer counts: drop it.
			if _, err := tx.Exec(ctx, `DELETE FROM portal_login_requests WHERE key = $1 AND at <= $2::timestamptz - interval '1 hour'`, k.key, now); err != nil {
				return fmt.Errorf("portal: forget old requests: %w", err)
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM portal_login_requests WHERE key = $1 AND at > $2::timestamptz - interval '1 hour'`,
				k.key, now).Scan(&n); err != nil {
				return fmt.Errorf("portal: count requests: %w", err)
			}
			if n >= k.limit {
				return nil
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO portal_login_requests (key, at) VALUES ($1, $3), ($2, $3)`,
			"email:"+email, "ip:"+ip, now); err != nil {
			return fmt.Errorf("portal: record a request: %w", err)
		}
		ok = true
		rows, err := tx.Query(ctx, `SELECT practice_id, id FROM client_contacts WHERE lower(email) = $1 ORDER BY id`, email)
		if err != nil {
			return fmt.Errorf("portal: find contacts: %w", err)
		}
		type who struct {
			pid atlas.PracticeID
			id  int64
		}
		var found []who
		var c who
		if _, err := pgx.ForEachRow(rows, []any{&c.pid, &c.id}, func() error {
			found = append(found, c)
			return nil
		}); err != nil {
			return fmt.Errorf("portal: find contacts: %w", err)
		}
		for _, c := range found {
			tok, err := s.NewLink(ctx, tx, c.pid, c.id, now)
			if err != nil {
				return err
			}
			linkID, err := s.parse(tok, now)
			if err != nil {
				return err
			}
			if err := jobs.InsertTx(ctx, tx, LinkEmailArgs{Practice: string(c.pid), ContactID: c.id, LinkID: linkID}); err != nil {
				return err
			}
		}
		return nil
	})
	return ok, err
}
