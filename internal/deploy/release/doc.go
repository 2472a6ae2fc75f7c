// Package release keeps a record of each deploy of an environment in the cluster, one Secret per revision, as Helm does.
package release
