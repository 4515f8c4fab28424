package slackfake

import (
	"fmt"
	"strconv"
	"strings"
)

func itoa36(n int) string { return strconv.FormatInt(int64(n), 36) }

func leftPad(s string, width int) string {
	if len(s) >= width {
		return s
	}
	return strings.Repeat("0", width-len(s)) + s
}

// formatTS renders microseconds since the epoch the way Slack renders ts values.
func formatTS(micros int64) string {
	return fmt.Sprintf("%d.%06d", micros/1e6, micros%1e6)
}

// DMChannelID is the id conversations.open returns for a DM with userID
// ("D" + user id), and the channel chat.postMessage reports when the bot posts
// to a user id. It is deterministic so tests can predict it.
func DMChannelID(userID string) string { return "D" + userID }

// isUserID reports whether a channel argument is really a user id, which
// chat.postMessage accepts and turns into the user's DM with the bot.
func isUserID(id string) bool {
	return strings.HasPrefix(id, "U") || strings.HasPrefix(id, "W")
}

// parseTS reads a Slack timestamp ("1700000000.000100", or whole seconds as
// oldest and latest may be given) as microseconds since the epoch.
func parseTS(ts string) (int64, bool) {
	secs, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(secs, 10, 64)
	if err != nil || len(frac) > 6 {
		return 0, false
	}
	var micros int64
	if frac != "" {
		f, err := strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
		if err != nil {
			return 0, false
		}
		micros = f
	}
	return s*1e6 + micros, true
}
