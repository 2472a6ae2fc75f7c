// Package track follows applied objects until kstatus calls them Current, and names the cause when a rollout fails.
package track
