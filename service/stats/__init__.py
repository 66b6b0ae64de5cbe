"""The town's figures: summaries for any period and the annual report."""
