// glif_neuron.v - the fixed-point GLIF neuron step as a combinational datapath.
//
// Pipeline position: the arithmetic of the neuron-update engine of glif_core. It is
// the hardware twin of nrn_step() in fabric/nrn.h and is checked against it bit for
// bit (tests/rtl/neuron_tb.cpp). State storage is NOT here (ODIN's split between the
// combinational update and the state memory): the core reads param_*/state_*/event_*
// from its memories and writes next_* back.
//
// Arithmetic (DESIGN section 2, fabric/nrn.h):
//   mul(a, c) = (a*c + 2^(F-1)) >>> F         arithmetic shift: round half up
//   x'  = sat_A(x + bias)
//   u'  = sat_V( mul(u, s ? ks : k) - d - (s ? r : 0) + mul(x', g) )
//         the four terms are summed at full width (SW bits, no overflow possible)
//         and saturated once
//   spiking (kind 0): s' = u' > theta (strict), emit = s'
//   readout (kind 1, and the unused code 3): s' = 0, never emits
//   relay   (kind 2): s' = 0, emit = (u' != 0), payload = sat_P(u')
`default_nettype none

module glif_neuron #(
    parameter integer V = 24,  // membrane width, signed (2..31)
    parameter integer A = 24,  // accumulator width, signed (2..31)
    parameter integer F = 15,  // coefficient fraction bits; coefficients are UQ1.F
    parameter integer P = 24   // relay payload width, signed (2..31)
) (
    input  wire        [  F:0] param_k,      // UQ1.F decay after a step without spike
    input  wire        [  F:0] param_ks,     // UQ1.F decay after a step with a spike
    input  wire signed [V-1:0] param_d,      // linear leak, membrane units
    input  wire signed [V-1:0] param_r,      // soft reset after a spike, membrane units
    input  wire signed [V-1:0] param_theta,  // threshold: spike iff u' > theta
    input  wire signed [A-1:0] param_bias,   // added to the accumulator, membrane units
    input  wire        [  F:0] param_g,      // UQ1.F input gain of this logical step
    input  wire        [  1:0] param_kind,   // 0 spiking, 1 readout, 2 relay
    input  wire signed [V-1:0] state_u,      // membrane before the step
    input  wire                state_s,      // spike of the previous step
    input  wire signed [A-1:0] event_x,      // accumulated synaptic input of this step
    output wire signed [V-1:0] next_u,       // membrane after the step
    output wire                next_s,       // spike of this step (spiking kind only)
    output wire                emit,         // the neuron sends packets this step
    output wire signed [P-1:0] payload       // relay: sat_P(u'); otherwise 0
);
  localparam integer MAXVA = (V > A) ? V : A;
  // |mul(u,c)| <= 2^V, |mul(x',g)| <= 2^A, |d|, |r| <= 2^(V-1): the sum of the four
  // needs at most max(V, A) + 3 bits; one more bit of margin keeps the proof trivial.
  localparam integer SW = MAXVA + 4;
  localparam integer UPW = V + F + 2;  // u * c: V-bit signed times (F+1)-bit unsigned
  localparam integer XPW = A + F + 2;  // x' * g
  localparam [F:0] HALF = {2'b01, {(F - 1) {1'b0}}};  // 2^(F-1): rounds half up

  // ---- x' = sat_A(x + bias) ---------------------------------------------------------
  wire signed [  A:0] x_sum = {event_x[A-1], event_x} + {param_bias[A-1], param_bias};
  wire signed [A-1:0] x_sat;
  glif_sat #(.IW(A + 1), .OW(A)) u_sat_x (.in(x_sum), .out(x_sat));

  // ---- mul(u, s ? ks : k) ------------------------------------------------------------
  wire        [  F:0] decay = state_s ? param_ks : param_k;
  wire signed [UPW-1:0] u_prod = {{(F + 2) {state_u[V-1]}}, state_u} *
                                 $signed({{(V + 1) {1'b0}}, decay});
  wire signed [UPW-1:0] u_round = u_prod + $signed({{(V + 1) {1'b0}}, HALF});
  wire signed [UPW-1:0] u_shift = u_round >>> F;  // floor division by 2^F

  // ---- mul(x', g) --------------------------------------------------------------------
  wire signed [XPW-1:0] x_prod = {{(F + 2) {x_sat[A-1]}}, x_sat} *
                                 $signed({{(A + 1) {1'b0}}, param_g});
  wire signed [XPW-1:0] x_round = x_prod + $signed({{(A + 1) {1'b0}}, HALF});
  wire signed [XPW-1:0] x_shift = x_round >>> F;

  // ---- the full-width sum, saturated once ---------------------------------------------
  // After the shift u_shift fits V+2 bits and x_shift A+2 bits; sign-extend each term
  // from there to SW bits.
  wire signed [SW-1:0] t_u = {{(SW - V - 2) {u_shift[V+1]}}, u_shift[V+1:0]};
  wire signed [SW-1:0] t_x = {{(SW - A - 2) {x_shift[A+1]}}, x_shift[A+1:0]};
  wire signed [SW-1:0] t_d = {{(SW - V) {param_d[V-1]}}, param_d};
  wire signed [SW-1:0] t_r = state_s ? {{(SW - V) {param_r[V-1]}}, param_r} : {SW{1'b0}};
  wire signed [SW-1:0] sum = t_u - t_d - t_r + t_x;
  wire signed [ V-1:0] u_next;
  glif_sat #(.IW(SW), .OW(V)) u_sat_u (.in(sum), .out(u_next));

  // ---- threshold and emission by kind --------------------------------------------------
  wire spiking = (param_kind == 2'd0);
  wire relay = (param_kind == 2'd2);
  wire fire = u_next > param_theta;  // both signed: a signed comparison
  wire signed [P-1:0] u_payload;
  glif_sat #(.IW(V), .OW(P)) u_sat_p (.in(u_next), .out(u_payload));

  assign next_u = u_next;
  assign next_s = spiking & fire;
  assign emit = spiking ? fire : (relay & (u_next != {V{1'b0}}));
  assign payload = relay ? u_payload : {P{1'b0}};
endmodule

`default_nettype wire
