"""The composition layer: pages that combine several domains (the home and tag lists with
community summaries, the comparison page, a member's profile), and the cross-domain
wiring of sign-in return pages. It sits above every domain; no domain imports it."""
