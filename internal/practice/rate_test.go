package practice_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

// card is a practice with a client, a service and a member, and a rate at
// every level and combination, each a distinct amount so the winner shows.
type card struct {
	tx              pgx.Tx
	s               practice.Store
	pid             atlas.PracticeID
	entity, service int64
	member          atlas.MemberID
	other           int64 // another client, with no rates of its own
	otherSvc        int64
	otherMember     atlas.MemberID
}

var day = func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }

func newCard(t *testing.T) *card {
	t.Helper()
	ctx := context.Background()
	tx := pgtest.Tx(t)
	c := &card{tx: tx, s: practice.Store{DB: tx}, pid: "TRATES"}
	if _, err := c.s.Ensure(ctx, c.pid); err != nil {
		t.Fatal(err)
	}
	m, err := c.s.AddMember(ctx, c.pid, 0, practice.NewMember{SlackUserID: "U1", Name: "Bea", Role: atlas.RoleStaff})
	if err != nil {
		t.Fatal(err)
	}
	c.member = m.ID
	m2, _ := c.s.AddMember(ctx, c.pid, 0, practice.NewMember{SlackUserID: "U2", Name: "Max", Role: atlas.RoleStaff})
	c.otherMember = m2.ID
	e, err := c.s.SaveEntity(ctx, c.pid, 0, 0, practice.EntityInput{Code: "ACME", Name: "Acme Trading Ltd"})
	if err != nil {
		t.Fatal(err)
	}
	c.entity = e.ID
	o, _ := c.s.SaveEntity(ctx, c.pid, 0, 0, practice.EntityInput{Code: "BETA", Name: "Beta Ltd"})
	c.other = o.ID
	sv, err := c.s.SaveService(ctx, c.pid, 0, "PAYROLL", "Payroll", false)
	if err != nil {
		t.Fatal(err)
	}
	c.service = sv.ID
	sv2, _ := c.s.SaveService(ctx, c.pid, 0, "BK", "Bookkeeping", true)
	c.otherSvc = sv2.ID
	return c
}

func (c *card) set(t *testing.T, e, s *int64, m *atlas.MemberID, amount, from string) {
	t.Helper()
	if _, err := c.s.SaveRate(context.Background(), c.pid, 0, practice.RateInput{
		Key: practice.RateKey{EntityID: e, ServiceID: s, MemberID: m}, Amount: amount, From: from}, day("2026-01-01")); err != nil {
		t.Fatalf("set %s: %v", amount, err)
	}
}

func TestRatePrecedence(t *testing.T) {
	t.Parallel()
	c := newCard(t)
	e, s, m := &c.entity, &c.service, &c.member
	// Amount encodes the specificity: 100 + rank.
	c.set(t, nil, nil, nil, "100", "2026-01-01")
	c.set(t, nil, nil, m, "101", "2026-01-01")
	c.set(t, nil, s, nil, "102", "2026-01-01")
	c.set(t, nil, s, m, "103", "2026-01-01")
	c.set(t, e, nil, nil, "104", "2026-01-01")
	c.set(t, e, nil, m, "105", "2026-01-01")
	c.set(t, e, s, nil, "106", "2026-01-01")
	c.set(t, e, s, m, "107", "2026-01-01")

	other, otherSvc, otherMember := &c.other, &c.otherSvc, &c.otherMember
	cases := []struct {
		name   string
		e, s   *int64
		m      *atlas.MemberID
		want   string
		specif int
	}{
		{"client × service × person", e, s, m, "107", 7},
		{"client × service", e, s, otherMember, "106", 6},
		{"client × person", e, otherSvc, m, "105", 5},
		{"client", e, otherSvc, otherMember, "104", 4},
		{"service × person", other, s, m, "103", 3},
		{"service", other, s, otherMember, "102", 2},
		{"person", other, otherSvc, m, "101", 1},
		{"practice default", other, otherSvc, otherMember, "100", 0},
		{"no service named", e, nil, m, "105", 5},
	}
	for _, tc := range cases {
		r, err := c.s.ResolveRate(context.Background(), c.pid, practice.RateKey{EntityID: tc.e, ServiceID: tc.s, MemberID: tc.m}, day("2026-06-01"))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if r.HourlyRate.String() != tc.want || r.Specificity() != tc.specif {
			t.Errorf("%s: got %s (specificity %d), want %s (%d)", tc.name, r.HourlyRate, r.Specificity(), tc.want, tc.specif)
		}
	}
}

func TestRateEffectiveDating(t *testing.T) {
	t.Parallel()
	c := newCard(t)
	c.set(t, nil, nil, nil, "80", "2026-01-01")
	c.set(t, nil, nil, nil, "90", "2026-04-01")
	c.set(t, &c.entity, nil, nil, "120", "2026-07-01")
	cases := []struct {
		date string
		want string
	}{
		{"2026-03-31", "80"},
		{"2026-04-01", "90"},
		{"2026-06-30", "90"},
		{"2026-07-01", "120"},
	}
	for _, tc := range cases {
		r, err := c.s.ResolveRate(context.Background(), c.pid, practice.RateKey{EntityID: &c.entity}, day(tc.date))
		if err != nil || r.HourlyRate.String() != tc.want {
			t.Errorf("%s: got %v %v, want %s", tc.date, r.HourlyRate, err, tc.want)
		}
	}
	if _, err := c.s.ResolveRate(context.Background(), c.pid, practice.RateKey{}, day("2025-12-31")); atlas.ErrorCode(err) != atlas.ENotFound {
		t.Errorf("before any rate: %v", err)
	}
	// Ending the client rate falls back to the practice default.
	r, _ := c.s.ResolveRate(context.Background(), c.pid, practice.RateKey{EntityID: &c.entity}, day("2026-07-01"))
	if _, err := c.s.EndRate(context.Background(), c.pid, 0, r.ID, day("2026-09-01")); err != nil {
		t.Fatal(err)
	}
	r, _ = c.s.ResolveRate(context.Background(), c.pid, practice.RateKey{EntityID: &c.entity}, day("2026-09-01"))
	if r.HourlyRate.String() != "90" {
		t.Errorf("after the client rate ended: %s, want the default 90", r.HourlyRate)
	}
	if _, err := c.s.EndRate(context.Background(), c.pid, 0, r.ID, day("2026-03-01")); atlas.ErrorCode(err) != atlas.EInvalid {
		t.Errorf("ending before the start: %v", err)
	}
}

func TestSetRateRejects(t *testing.T) {
	t.Parallel()
	c := newCard(t)
	for _, in := range []practice.RateInput{
		{Amount: "-5"}, {Amount: "abc"}, {Amount: "95.123"}, {Amount: "95", From: "next week"},
	} {
		if _, err := c.s.SaveRate(context.Background(), c.pid, 0, in, day("2026-01-01")); atlas.ErrorCode(err) != atlas.EInvalid {
			t.Errorf("SaveRate(%+v) = %v, want invalid", in, err)
		}
	}
	rates, _ := c.s.Rates(context.Background(), c.pid)
	if len(rates) != 0 {
		t.Fatalf("rejected rates were stored: %d", len(rates))
	}
}
