package inbox

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// ErrNoInbox is a recipient that is no practice's inbox.
var ErrNoInbox = errors.New("inbox: no practice has this inbox address")

// Address is a recipient read: docs+ACME@in.example.com is local "docs",
// tag "ACME", domain "in.example.com".
type Address struct {
	Local, Tag, Domain string
}

// ParseAddress splits an address; ok is false for one without a local part
// or a domain.
func ParseAddress(addr string) (Address, bool) {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return Address{}, false
	}
	local := addr[:at]
	a := Address{Domain: strings.ToLower(addr[at+1:])}
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local, a.Tag = local[:i], local[i+1:]
	}
	a.Local = strings.ToLower(local)
	return a, a.Local != ""
}

// PracticeOf is the practice whose inbox the local part names: the one
// with that inbox_local, or, in a deployment of one practice that has set
// none, that practice whatever the local part.
func PracticeOf(ctx context.Context, q db.DB, local string) (atlas.PracticeID, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT id FROM practices WHERE inbox_local = $1
		UNION ALL
		SELECT id FROM practices WHERE inbox_local IS NULL AND (SELECT count(*) FROM practices) = 1
		LIMIT 1`, strings.ToLower(local)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNoInbox
	}
	if err != nil {
		return "", fmt.Errorf("inbox: find the practice of %q: %w", local, err)
	}
	return atlas.PracticeID(id), nil
}

// client is a client as routing compares it.
type client struct {
	ID         int64
	Code, Name string
	code       string // Code lower-cased
	words      string // the words of Name, lower-cased, joined by spaces
}

// clientLists keeps each practice's clients as routing compares them,
// under the version of the list they were read at (migration 00033): an
// email reads one row to learn the version, and the clients themselves
// only when it has moved since.
var clientLists = struct {
	sync.Mutex
	m map[atlas.PracticeID]clientList
}{m: map[atlas.PracticeID]clientList{}}

type clientList struct {
	version string
	clients []client
}

// clientsOf is the practice's clients that are not archived, in id order,
// from the kept list when it is still current. The version is read before
// the clients, so a list is never older than the version it is kept under.
// The slice is shared: callers only read it.
func clientsOf(ctx context.Context, q db.DB, pid atlas.PracticeID) ([]client, error) {
	var version string
	err := q.QueryRow(ctx, `SELECT version::text FROM client_list_versions WHERE practice_id = $1`, pid).Scan(&version)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("inbox: read the clients' version: %w", err)
	}
	clientLists.Lock()
	kept, ok := clientLists.m[pid]
	clientLists.Unlock()
	if ok && version != "" && kept.version == version {
		return kept.clients, nil
	}
	rows, err := q.Query(ctx, `SELECT id, code, name FROM entities WHERE practice_id = $1 AND archived_at IS NULL ORDER BY id`, pid)
	if err != nil {
		return nil, fmt.Errorf("inbox: read the clients: %w", err)
	}
	var clients []client
	var c client
	_, err = pgx.ForEachRow(rows, []any{&c.ID, &c.Code, &c.Name}, func() error {
		c.code, c.words = strings.ToLower(c.Code), strings.Join(tokens(c.Name), " ")
		clients = append(clients, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("inbox: read the clients: %w", err)
	}
	if version != "" {
		clientLists.Lock()
		clientLists.m[pid] = clientList{version: version, clients: clients}
		clientLists.Unlock()
	}
	return clients, nil
}

// Route is where a message goes: its client (0: triage), the contact it
// came from when that is one of the client's, and the rule that chose.
type Route struct {
	EntityID  int64
	ContactID int64  // 0: not from a contact of the client
	By        string // "address", "sender", "subject"; "" for triage
}

// route picks the client of a message, in order: the plus address's
// client code (docs+ACME@…), the client whose contact sent it, a client
// named in the subject (its code as a whole word, or its whole name). A
// rule that finds several clients passes the choice on to the next, among
// those; one that finds none, to the next among all. Archived clients are
// never chosen.
func route(ctx context.Context, q db.DB, pid atlas.PracticeID, tag, from, subject string) (Route, error) {
	clients, err := clientsOf(ctx, q, pid)
	if err != nil {
		return Route{}, err
	}
	var r Route
	if tag != "" {
		tag = strings.ToLower(tag)
		for _, c := range clients {
			if c.code == tag {
				r = Route{EntityID: c.ID, By: "address"}
			}
		}
	}
	contacts := map[int64]int64{} // client → the sender's contact id there
	if from != "" {
		rows, err := q.Query(ctx, `SELECT c.entity_id, c.id FROM client_contacts c
			JOIN entities e ON e.practice_id = c.practice_id AND e.id = c.entity_id AND e.archived_at IS NULL
			WHERE c.practice_id = $1 AND lower(c.email) = lower($2)`, pid, from)
		if err != nil {
			return Route{}, fmt.Errorf("inbox: find the sender: %w", err)
		}
		for rows.Next() {
			var e, c int64
			if err := rows.Scan(&e, &c); err != nil {
				rows.Close()
				return Route{}, err
			}
			contacts[e] = c
		}
		if err := rows.Err(); err != nil {
			return Route{}, err
		}
	}
	if r.EntityID == 0 && len(contacts) == 1 {
		for e := range contacts {
			r = Route{EntityID: e, By: "sender"}
		}
	}
	if r.EntityID == 0 {
		among := clients
		if len(contacts) > 1 {
			among = nil
			for _, c := range clients {
				if _, ok := contacts[c.ID]; ok {
					among = append(among, c)
				}
			}
		}
		if found := namedIn(subject, among); len(found) == 1 {
			r = Route{EntityID: found[0], By: "subject"}
		}
	}
	r.ContactID = contacts[r.EntityID]
	return r, nil
}

// namedIn is the clients the subject names: by code as a whole word
// (case aside), or by whole name contained in it.
func namedIn(subject string, clients []client) []int64 {
	ws := wordSet(subject, false)
	lower := " " + strings.Join(tokens(subject), " ") + " "
	var out []int64
	for _, c := range clients {
		if ws[c.code] || (c.words != "" && strings.Contains(lower, " "+c.words+" ")) {
			out = append(out, c.ID)
		}
	}
	return out
}

// tokens are the lower-cased words of s: runs of letters and digits (a
// code's "-" and "_" kept inside a word).
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_'
	})
}

// wordSet is the set of s's words; stemmed drops a plural's s and splits
// on "-" and "_" too, as item matching compares words.
func wordSet(s string, stemmed bool) map[string]bool {
	out := map[string]bool{}
	for _, w := range tokens(s) {
		out[w] = true
		if stemmed {
			for _, part := range strings.FieldsFunc(w, func(r rune) bool { return r == '-' || r == '_' }) {
				out[stem(part)] = true
			}
		}
	}
	return out
}

func stem(w string) string {
	if len(w) > 4 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
		return w[:len(w)-1]
	}
	return w
}

// generic are words too common in requested items to say which item a
// file is for.
var generic = map[string]bool{
	"the": true, "and": true, "for": true, "from": true, "your": true, "our": true, "all": true, "any": true,
	"month": true, "monthly": true, "period": true, "document": true, "copy": true, "copie": true, "copies": true,
	"please": true, "send": true, "this": true, "that": true, "with": true, "detail": true, "details": true,
	"ending": true, "end": true, "other": true, "each": true, "year": true, "quarter": true,
	"january": true, "february": true, "march": true, "april": true, "may": true, "june": true, "july": true,
	"august": true, "september": true, "october": true, "november": true, "december": true,
}

// itemKeywords are the words of an item that point at it: those of its
// text and the wording the client read, of three letters or more, but for
// generic ones, a plural's s dropped.
func itemKeywords(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		for _, w := range tokens(t) {
			for _, part := range strings.FieldsFunc(w, func(r rune) bool { return r == '-' || r == '_' }) {
				part = stem(part)
				if len(part) < 3 || generic[part] || seen[part] {
					continue
				}
				seen[part] = true
				out = append(out, part)
			}
		}
	}
	return out
}

// openItem is a requested item still open in one of the client's open
// packs.
type openItem struct {
	ID, TaskID int64
	Keywords   []string
}

// matchItem is the item a file is for: the one most of whose keywords are
// in the file's name (each counting twice) or the subject (once); ties go
// to the earlier item (the older pack, then the checklist's order). -1
// when no keyword of any item is there.
func matchItem(items []openItem, fileName, subject string) int {
	name := wordSet(strings.TrimSuffix(fileName, path.Ext(fileName)), true)
	subj := wordSet(subject, true)
	best, bestScore := -1, 0
	for i, it := range items {
		score := 0
		for _, k := range it.Keywords {
			if name[k] {
				score += 2
			}
			if subj[k] {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}
