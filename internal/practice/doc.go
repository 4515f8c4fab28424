// Package practice owns the practice itself: its settings and its team
// members, and who may do what. (Clients, services and the rate card join it
// as they are built.)
//
// Every method takes the practice id first: one database serves many Slack
// workspaces, and no query ever reaches across them.
package practice
