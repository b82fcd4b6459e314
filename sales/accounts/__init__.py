"""What sales adds to the kernel's account and contact pages: an account's deals, onboardings and
purchased products, upsell and cross-sell buttons, and the lead a contact was converted from."""
