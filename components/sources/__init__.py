"""The Sources feature's components: the upload drop zone and the source cards."""
