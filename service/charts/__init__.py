"""Charts (统计图表): PNG pictures of the summary figures, in the caller's scope."""
