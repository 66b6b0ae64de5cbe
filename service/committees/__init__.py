"""People's mediation committees (人民调解委员会): who is on each, how much each mediator carries,
and the village's legal advisor (一村一法律顾问) — what a head needs to assign a dispute."""
