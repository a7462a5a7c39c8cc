"""Helpers of the datapipes: common (files, streams, argument checks), decoder (turning file
bytes into values) and snapshot (fast-forwarding a pipe)."""
