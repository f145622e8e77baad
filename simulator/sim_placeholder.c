/* sim_placeholder.c - keeps the simulator library non-empty until the simulator lands. */
int glif_sim_placeholder(void) { return 0; }
