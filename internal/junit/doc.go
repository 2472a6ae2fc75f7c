// Package junit writes test results as JUnit XML, the file CI systems show
// as a test report.
package junit
