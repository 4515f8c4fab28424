package portal

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// LinkLife is how long an emailed sign-in link works.
const LinkLife = 7 * 24 * time.Hour

// Signer signs and checks sign-in links with the portal's secret
// (PORTAL_SECRET), so a link cannot be made or altered without it.
type Signer struct{ Secret []byte }

// ErrBadLink is any link that does not sign in: altered, expired, revoked,
// or of a contact that is gone. Callers show one answer for all, so a
// guesser learns nothing.
var ErrBadLink = errors.New("portal: this sign-in link does not work")

// token is the link's id and expiry with an HMAC-SHA256 over both,
// base64url: 8 + 8 + 32 bytes.
func (s Signer) token(id int64, expires time.Time) string {
	buf := make([]byte, 16, 48)
	binary.BigEndian.PutUint64(buf[:8], uint64(id))
	binary.BigEndian.PutUint64(buf[8:], uint64(expires.Unix()))
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("portal-link\x00"))
	m.Write(buf)
	return base64.RawURLEncoding.EncodeToString(m.Sum(buf))
}

// parse checks a token's signature and expiry and returns the link's id.
func (s Signer) parse(tok string, now time.Time) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 48 || len(s.Secret) == 0 {
		return 0, ErrBadLink
	}
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("portal-link\x00"))
	m.Write(raw[:16])
	if !hmac.Equal(m.Sum(nil), raw[16:]) {
		return 0, ErrBadLink
	}
	if now.Unix() >= int64(binary.BigEndian.Uint64(raw[8:16])) {
		return 0, ErrBadLink
	}
	return int64(binary.BigEndian.Uint64(raw[:8])), nil
}

// NewLink makes a sign-in link for a contact, valid for LinkLife from now,
// in tx (the transaction that queues the email carrying it), and returns
// its token; the URL is the portal's base URL + "/portal/login?t=" + token.
func (s Signer) NewLink(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, contactID int64, now time.Time) (string, error) {
	id, expires, err := newLink(ctx, tx, pid, contactID, now)
	if err != nil {
		return "", err
	}
	return s.token(id, expires), nil
}

// NewLinkID makes a sign-in link as NewLink does and returns its id, for
// an email job to carry instead of the token: its worker signs the token
// again with LinkToken, so no working token is stored in the job table.
func (s Signer) NewLinkID(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, contactID int64, now time.Time) (int64, error) {
	id, _, err := newLink(ctx, tx, pid, contactID, now)
	return id, err
}

func newLink(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, contactID int64, now time.Time) (int64, time.Time, error) {
	expires := now.Add(LinkLife).Truncate(time.Second)
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO portal_links (practice_id, contact_id, expires_at) VALUES ($1, $2, $3) RETURNING id`,
		pid, contactID, expires).Scan(&id); err != nil {
		return 0, expires, fmt.Errorf("portal: make a sign-in link: %w", err)
	}
	return id, expires, nil
}

// LinkToken signs again the token of a practice's link id (made by
// NewLinkID), from its row: the same token NewLink would have returned.
// A link that is gone is ErrBadLink.
func (s Signer) LinkToken(ctx context.Context, q db.DB, pid atlas.PracticeID, id int64) (string, error) {
	if len(s.Secret) == 0 {
		return "", errors.New("portal: no portal secret (PORTAL_SECRET) to sign a link with")
	}
	var expires time.Time
	err := q.QueryRow(ctx, `SELECT expires_at FROM portal_links WHERE practice_id = $1 AND id = $2`, pid, id).Scan(&expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrBadLink
	}
	if err != nil {
		return "", fmt.Errorf("portal: read sign-in link %d: %w", id, err)
	}
	return s.token(id, expires), nil
}

// Contact is who a link signs in: one contact of one client.
type Contact struct {
	Practice atlas.PracticeID
	ID       int64
	EntityID int64
	Name     string
	Email    string
	LinkID   int64
}

// Resolve checks a token against its link's row: signed, not expired, not
// revoked, its contact still there. Any failure is ErrBadLink.
func (s Signer) Resolve(ctx context.Context, q db.DB, tok string, now time.Time) (Contact, error) {
	id, err := s.parse(tok, now)
	if err != nil {
		return Contact{}, err
	}
	var c Contact
	err = q.QueryRow(ctx, `SELECT l.practice_id, c.id, c.entity_id, c.name, c.email, l.id FROM portal_links l
		JOIN client_contacts c ON c.practice_id = l.practice_id AND c.id = l.contact_id
		WHERE l.id = $1 AND l.revoked_at IS NULL AND l.expires_at > $2`, id, now).
		Scan(&c.Practice, &c.ID, &c.EntityID, &c.Name, &c.Email, &c.LinkID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Contact{}, ErrBadLink
	}
	if err != nil {
		return Contact{}, fmt.Errorf("portal: check a sign-in link: %w", err)
	}
	return c, nil
}

// RevokeClient revokes every link of a client's contacts, from Slack:
// their sessions end at their next request.
func RevokeClient(ctx context.Context, q db.DB, pid atlas.PracticeID, entityID int64, now time.Time) (int64, error) {
	tag, err := q.Exec(ctx, `UPDATE portal_links l SET revoked_at = $3 FROM client_contacts c
		WHERE l.practice_id = $1 AND c.practice_id = l.practice_id AND c.id = l.contact_id AND c.entity_id = $2 AND l.revoked_at IS NULL`,
		pid, entityID, now)
	if err != nil {
		return 0, fmt.Errorf("portal: revoke links: %w", err)
	}
	return tag.RowsAffected(), nil
}
