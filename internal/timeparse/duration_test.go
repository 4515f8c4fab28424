package timeparse

import (
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// wantInvalid fails unless err is an atlas EInvalid whose message contains
// every one of want and is short enough for Slack.
func wantInvalid(t *testing.T, input string, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%q: no error, want one mentioning %q", input, want)
		return
	}
	if code := atlas.ErrorCode(err); code != atlas.EInvalid {
		t.Errorf("%q: code %q, want %q (%v)", input, code, atlas.EInvalid, err)
	}
	msg := atlas.ErrorMessage(err)
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("%q: message %q does not contain %q", input, msg, w)
		}
	}
	if len(msg) > 300 {
		t.Errorf("%q: message is %d bytes, want ≤ 300: %q", input, len(msg), msg)
	}
}

func TestDurationAccepts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want int
	}{
		{"1h30", 90},
		{"1h30m", 90},
		{"1h 30m", 90},
		{"1h 30", 90},
		{"1H30M", 90},
		{"  1h30  ", 90},
		{"2h", 120},
		{"1.5h", 90},
		{"0.25h", 15},
		{"0.75h", 45},
		{"0.1h", 6},
		{"1,5h", 90},
		{".5h", 30},
		{"1.50h", 90},
		{"1.333h", 80}, // 79.98 minutes rounds to 80
		{"0.01h", 1},   // 0.6 minutes rounds up to 1
		{"90m", 90},
		{"90min", 90},
		{"90mins", 90},
		{"90 minutes", 90},
		{"1 minute", 1},
		{"1:30", 90},
		{"0:45", 45},
		{"24:00", 1440},
		{"45", 45},
		{"045", 45},
		{"1", 1},
		{"1440", 1440},
		{"24h", 1440},
		{"23h59", 1439},
		{"1 hour 30 minutes", 90},
		{"1 hour", 60},
		{"2 hours", 120},
		{"30 mins", 30},
		{"1hr 30min", 90},
		{"1hrs30mins", 90},
		{"2 h", 120},
		{"1h\u00a030m", 90}, // Slack sometimes sends a no-break space
	}
	for _, c := range cases {
		got, err := Duration(c.in)
		if err != nil || got != c.want {
			t.Errorf("Duration(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

func TestDurationRounding(t *testing.T) {
	t.Parallel()
	// 0.0125h is exactly 0.75 minutes → 1; 0.025h is exactly 1.5 → 2 (halves
	// round up); 0.0083h is 0.498 → less than a minute.
	for in, want := range map[string]int{"0.0125h": 1, "0.025h": 2, "0.0249h": 1, "2.999h": 180, "0.999999999h": 60} {
		if got, err := Duration(in); err != nil || got != want {
			t.Errorf("Duration(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	_, err := Duration("0.0083h")
	wantInvalid(t, "0.0083h", err, "less than a minute", "`1m`")
}

func TestDurationRejects(t *testing.T) {
	t.Parallel()
	const help = "`1h30`, `1.5h`, `90m`, `1:30` or `45` (minutes)"
	cases := []struct {
		in   string
		want []string
	}{
		{"", []string{"Give a duration", help}},
		{"   ", []string{"Give a duration", help}},
		{"0", []string{"Zero minutes is nothing to log", "`1h30`"}},
		{"0h", []string{"Zero minutes"}},
		{"0:00", []string{"Zero minutes"}},
		{"0h0m", []string{"Zero minutes"}},
		{"0.0h", []string{"Zero minutes"}},
		{"-1h", []string{"`-1h` is negative", "`1h30`"}},
		{"−30m", []string{"is negative"}},
		{"-abc", []string{"`-abc` is not a duration", help}},
		{"25h", []string{"`25h` is more than 24 hours; log each day separately", "`/log 7h30 acme yesterday`"}},
		{"24h01", []string{"more than 24 hours"}},
		{"24.5h", []string{"more than 24 hours"}},
		{"1441", []string{"`1441` is more than 24 hours"}},
		{"1441m", []string{"more than 24 hours"}},
		{"24:01", []string{"more than 24 hours"}},
		{"24h75", []string{"more than 24 hours"}},
		{"99999999999999999999", []string{"`99999999999999999999` is more than 24 hours"}},
		{"99999999999999999999h", []string{"more than 24 hours"}},
		{"1:99999999999999999999", []string{"two digits"}},
		{"99999999999999999999:00", []string{"more than 24 hours"}},
		{"1.99999999999999999999h", []string{"too many decimal places", "`1.25h`"}},
		{"1:75", []string{"`1:75` has 75 minutes", "up to 59", "`2h15`", "`135m`"}},
		{"1h75", []string{"`1h75` has 75 minutes", "`2h15`"}},
		{"1h 60m", []string{"has 60 minutes", "`2h00`"}},
		{"1:5", []string{"two digits", "`1:05`"}},
		{"1:305", []string{"two digits"}},
		{"1.5", []string{"`1.5` could be hours or minutes", "`1.5h`", "`90m`"}},
		{"1,5", []string{"could be hours or minutes", "`1,5h`"}},
		{"1.5h30", []string{"mixes decimal hours", "`1h30`"}},
		{"1.5m", []string{"fraction of a minute", "`90m`"}},
		{"1h30.5m", []string{"fraction of a minute"}},
		{"abc", []string{"`abc` is not a duration", help}},
		{"2x", []string{"`2x` is not a duration", help}},
		{"1h30x", []string{"`1h30x` is not a duration"}},
		{"h", []string{"`h` is not a duration"}},
		{"m", []string{"not a duration"}},
		{"1..5h", []string{"`1..5h` is not a duration"}},
		{"1.h", []string{"not a duration"}},
		{".", []string{"not a duration"}},
		{"30m 1h", []string{"not a duration"}},
		{"1h 2h", []string{"not a duration"}},
		{"1:30:00", []string{"not a duration"}},
		{"1.5:30", []string{"not a duration"}},
		{"+1h", []string{"not a duration"}},
		{"1 30", []string{"not a duration"}},
		{"1h30 acme", []string{"not a duration"}},
		{"1`h", []string{"`1'h` is not a duration"}}, // a backtick would break the code span
		{strings.Repeat("9", 100) + "x", []string{"…` is not a duration"}},
	}
	for _, c := range cases {
		got, err := Duration(c.in)
		if got != 0 {
			t.Errorf("Duration(%q) = %d with error %v, want 0", c.in, got, err)
		}
		wantInvalid(t, c.in, err, c.want...)
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	for in, want := range map[int]string{
		0: "0h", 1: "1m", 45: "45m", 60: "1h", 90: "1h 30m", 120: "2h", 1440: "24h", 1439: "23h 59m",
		3000: "50h", -90: "-1h 30m",
	} {
		if got := Format(in); got != want {
			t.Errorf("Format(%d) = %q, want %q", in, got, want)
		}
	}
	for m := 1; m <= MaxMinutes; m++ {
		if got, err := Duration(Format(m)); err != nil || got != m {
			t.Fatalf("Duration(Format(%d)) = %d, %v", m, got, err)
		}
	}
	const minInt = -1 << 63
	if got := Format(minInt); !strings.HasPrefix(got, "-153722867280912930h") {
		t.Errorf("Format(minInt) = %q", got)
	}
}

// Durations as people say them.
func TestSpokenDurations(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{
		"1 1/2 hours": 90, "1 1/2h": 90, "1½h": 90, "1½ hours": 90, "½h": 30, "1/2 hour": 30, "2 1/4 hours": 135,
		"1 3/4 hours": 105, "an hour and a half": 90, "one and a half hours": 90, "1 and a half hours": 90,
		"half an hour": 30, "half hour": 30, "an hour": 60, "a quarter of an hour": 15, "quarter of an hour": 15,
		"three quarters of an hour": 45, "2 and a quarter hours": 135, "two hours": 120, "1 hour and a half": 90,
		"two and three quarters hours": 165, "An Hour And A Half": 90,
	} {
		if got, err := Duration(in); err != nil || got != want {
			t.Errorf("Duration(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"a", "half", "1/3 hour", "an", "and a half"} {
		if _, err := Duration(bad); err == nil {
			t.Errorf("Duration(%q) should fail", bad)
		}
	}
}
