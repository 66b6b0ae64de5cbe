"""The town's holiday calendar (节假日安排): each year's State Council notice, entered by the
administrator, which working-day time limits count by; entering it moves the stored deadlines
it changes, each on its case's record."""
