// glif_core.v - the GLIF neuron core: input engine, delay-slot accumulators, update
// engine with the glif_neuron datapath, spike queue and output engine.
//
// Pipeline position: one core of the fabric (DESIGN section 4). The simulator's core
// model (simulator/) implements the same cycle contract, docs/timing.md; this RTL is the
// authority on core cycle counts, and the co-simulations in tests/rtl compare the two
// cycle for cycle. The core's tables are loaded through the configuration port from a
// chip image's CORE section (fabric/image.h; rtl/glif_rtl.cpp does the loading).
//
// Cycles. A tick begins at the clock edge that samples tick_start (with tick_h, the tick
// number); the cycle after that edge is cycle 0 of the tick. Every decision in cycle c
// is taken on registered state, i.e. on the state at the start of c; every table is a
// glif_ram (synchronous write, combinational read), which is what makes the following
// counts exact for every pipeline depth S >= 1 (docs/rtl.md has the full table):
//   update engine  the active neurons (their group's window holds tick_h) are issued in
//                  increasing index, one per cycle from cycle 0: the i-th in cycle i
//                  reads and clears acc[h mod D][j], reads its state and parameters and
//                  runs glif_neuron; S-1 pipeline registers later (end of cycle
//                  i + S - 1) the state is written back and an emission with fan-out
//                  entries is appended to the spike queue. Busy n_act + S - 1 cycles.
//   input engine   in cycle c, if free and the input buffer is non-empty, it pops the
//                  oldest packet and looks up its axon; in cycles c+1 .. c+K (K =
//                  ceil(n_neurons / L)) it reads crossbar row chunk k (L weights) and
//                  accumulates into slot (h + 1 + delay) mod D. Free again at c + 1 + K.
//   output engine  in cycle c, if the spike queue is non-empty, it offers the next
//                  fan-out entry of the oldest emission (out_valid); it is sent when
//                  out_ready (the router's local input buffer had room at the start of c).
//   input port     in_ready = the input buffer holds fewer than BC packets at the start
//                  of c; a packet taken in c is in the buffer from c + 1.
//   idle           every engine idle, the buffer and the spike queue empty.
`default_nettype none

module glif_core #(
    parameter integer N     = 256,   // neurons (crossbar columns)
    parameter integer AXONS = 256,   // input axons (crossbar rows)
    parameter integer D     = 4,     // delay slots (2..16)
    parameter integer G     = 64,    // neuron-parameter groups
    parameter integer TMAX  = 32,    // gain-table depth (largest T)
    parameter integer E     = 4096,  // fan-out table entries
    parameter integer L     = 16,    // synapse lanes: crossbar columns read per cycle
    parameter integer S     = 3,     // neuron-update pipeline depth (>= 1)
    parameter integer BC    = 4,     // input buffer, packets
    parameter integer W     = 8,     // weight bits, signed
    parameter integer V     = 24,    // membrane bits, signed
    parameter integer A     = 24,    // accumulator bits, signed
    parameter integer F     = 15,    // coefficient fraction bits (UQ1.F)
    parameter integer MMAX  = 6,     // largest weight shift M of a group
    parameter integer P     = 24,    // relay payload bits (payload_sum_bits)
    parameter integer PW    = 24,    // packet payload bits on the wire (>= P and P_in)
    parameter integer XW    = 10,    // mesh x coordinate bits
    parameter integer YW    = 10,    // mesh y coordinate bits
    parameter integer TW    = 16,    // tick number bits
    // derived widths (not meant to be overridden)
    parameter integer NW    = (N > 1) ? $clog2(N) : 1,          // neuron index
    parameter integer AXW   = (AXONS > 1) ? $clog2(AXONS) : 1,  // axon index
    parameter integer DW    = $clog2(D),                        // delay / slot
    parameter integer BCW   = $clog2(BC + 1)                    // input buffer count
) (
    input  wire                 clk,
    input  wire                 rst,          // synchronous; then clears state (N cycles)

    // ---- configuration port (docs/rtl.md: tables and fields) ----
    input  wire                 cfg_we,
    input  wire [          2:0] cfg_table,
    input  wire [          3:0] cfg_field,
    input  wire [         31:0] cfg_addr,
    input  wire [         31:0] cfg_data,

    // ---- tick control ----
    input  wire                 clear,        // zero every state and accumulator
    input  wire                 tick_start,   // the next cycle is cycle 0 of tick tick_h
    input  wire [       TW-1:0] tick_h,
    output wire                 idle,

    // ---- packets in (from the router's Local output) ----
    input  wire                 in_valid,
    output wire                 in_ready,
    input  wire [      AXW-1:0] in_axon,
    input  wire [       DW-1:0] in_delay,
    input  wire                 in_graded,
    input  wire signed [PW-1:0] in_payload,

    // ---- packets out (to the router's Local input) ----
    output wire                 out_valid,
    input  wire                 out_ready,
    output wire [       XW-1:0] out_x,
    output wire [       YW-1:0] out_y,
    output wire [      AXW-1:0] out_axon,
    output wire [       DW-1:0] out_delay,
    output wire                 out_graded,
    output wire signed [PW-1:0] out_payload,

    // ---- observation: state write-back of the update engine (commit point) ----
    output wire                 wb_valid,
    output wire [       NW-1:0] wb_neuron,
    output wire signed [ V-1:0] wb_u,
    output wire                 wb_s,
    output wire                 wb_emit,
    output wire signed [ P-1:0] wb_payload,

    // ---- debug read of one neuron's state ----
    input  wire [       NW-1:0] dbg_neuron,
    output wire signed [ V-1:0] dbg_u,
    output wire                 dbg_s,

    // ---- engine activity in this cycle, event counters, sticky errors ----
    output wire                 ue_active,    // the update engine is busy this cycle
    output wire                 ie_active,    // the input engine is busy this cycle
    output wire                 ie_start,     // ... and pops a packet in this cycle
    output wire [      BCW-1:0] in_count,     // packets in the input buffer
    output reg  [         31:0] cnt_synops,   // non-zero weights, binary packets
    output reg  [         31:0] cnt_macs,     // non-zero weights, graded packets
    output reg  [         31:0] cnt_row_reads,// packets processed
    output reg  [         31:0] cnt_updates,  // neurons stepped
    output reg  [         31:0] cnt_spikes,   // emissions
    output reg  [         31:0] cnt_packets,  // packets sent
    output reg  [          2:0] err           // [0] packet graded bit differs from its
                                              // axon's flag, [1] tick_start while busy,
                                              // [2] packet slot = the slot being read
);
  // ---- derived sizes ------------------------------------------------------------------
  localparam integer KMAX = (N + L - 1) / L;                  // crossbar chunks per row
  localparam integer KW = (KMAX > 1) ? $clog2(KMAX) : 1;
  localparam integer NCW = $clog2(N + 1);                     // n_neurons register
  localparam integer GW = (G > 1) ? $clog2(G) : 1;
  localparam integer EW = (E > 1) ? $clog2(E) : 1;
  localparam integer ECW = $clog2(E + 1);                     // fan-out counts
  localparam integer TCW = $clog2(TMAX + 1);                  // T register
  localparam integer GAW = (G * TMAX > 1) ? $clog2(G * TMAX) : 1;
  localparam integer XBW = (AXONS * KMAX > 1) ? $clog2(AXONS * KMAX) : 1;
  localparam integer MW = (MMAX > 0) ? $clog2(MMAX + 1) : 1;
  localparam integer CLW = $clog2(N + 1);                     // clear counter
  // accumulation: |w << M| < 2^(W-1+MMAX), |w * payload| <= 2^(W+PW-2); plus acc
  localparam integer CW0 = (A > W + MMAX) ? A : W + MMAX;
  localparam integer CW1 = (CW0 > W + PW) ? CW0 : W + PW;
  localparam integer CW = CW1 + 1;
  localparam integer QEW = EW + ECW + P;                      // spike queue entry
  localparam integer IBW = AXW + DW + 1 + PW;                 // input buffer entry

  genvar gi;
  integer i;

  // =====================================================================================
  // Configuration: control registers, register files and table RAMs
  // =====================================================================================
  localparam [2:0] T_CTRL = 3'd0, T_GROUP = 3'd1, T_GAIN = 3'd2, T_NEURON = 3'd3,
                   T_AXON = 3'd4, T_WEIGHT = 3'd5, T_FANOUT = 3'd6;

  reg [NCW-1:0] n_neurons;   // columns used, 1..N
  reg [ KW:0] n_chunks;      // ceil(n_neurons / L): crossbar cycles per packet
  reg [TCW-1:0] n_steps;     // T: logical steps of every group
  // Read in parallel at every tick start, so they are registers, not RAM (mem2reg
  // tells synthesis so):
  (* mem2reg *) reg [TW-1:0] gp_first[0:G-1];  // first tick of each group's window
  (* mem2reg *) reg [GW-1:0] nt_group[0:N-1];  // group of each neuron

  wire cfg_ctrl = cfg_we && cfg_table == T_CTRL;
  wire cfg_group = cfg_we && cfg_table == T_GROUP;
  wire cfg_neuron = cfg_we && cfg_table == T_NEURON;
  wire cfg_fanout = cfg_we && cfg_table == T_FANOUT;
  wire [15:0] cfg_hi = cfg_addr[31:16];  // GAIN: group, WEIGHT: axon
  wire [15:0] cfg_lo = cfg_addr[15:0];   // GAIN: step,  WEIGHT: column

  always @(posedge clk) begin
    if (cfg_ctrl && cfg_field == 4'd0) begin
      n_neurons <= cfg_data[NCW-1:0];
      n_chunks <= (KW + 1)'(({1'b0, cfg_data[NCW-1:0]} + (NCW + 1)'(L - 1)) / (NCW + 1)'(L));
    end
    if (cfg_ctrl && cfg_field == 4'd1) n_steps <= cfg_data[TCW-1:0];
    if (cfg_group && cfg_field == 4'd8) gp_first[cfg_addr[GW-1:0]] <= cfg_data[TW-1:0];
    if (cfg_neuron && cfg_field == 4'd0) nt_group[cfg_addr[NW-1:0]] <= cfg_data[GW-1:0];
  end

  // Group parameter RAMs, one per field, addressed by group (write: cfg, read: UE).
  wire [GW-1:0] ue_group;
  wire [   F:0] gp_k, gp_ks;
  wire [ V-1:0] gp_d, gp_r, gp_theta;
  wire [ A-1:0] gp_bias;
  wire [   1:0] gp_kind;
  wire [MW-1:0] cfg_shift;
  wire [GW-1:0] cfg_g = cfg_addr[GW-1:0];

  glif_ram #(.LW(F + 1), .DEPTH(G)) u_gp_k (.clk(clk), .we(cfg_group && cfg_field == 4'd0),
      .waddr(cfg_g), .wdata(cfg_data[F:0]), .raddr(ue_group), .rdata(gp_k));
  glif_ram #(.LW(F + 1), .DEPTH(G)) u_gp_ks (.clk(clk), .we(cfg_group && cfg_field == 4'd1),
      .waddr(cfg_g), .wdata(cfg_data[F:0]), .raddr(ue_group), .rdata(gp_ks));
  glif_ram #(.LW(V), .DEPTH(G)) u_gp_d (.clk(clk), .we(cfg_group && cfg_field == 4'd2),
      .waddr(cfg_g), .wdata(cfg_data[V-1:0]), .raddr(ue_group), .rdata(gp_d));
  glif_ram #(.LW(V), .DEPTH(G)) u_gp_r (.clk(clk), .we(cfg_group && cfg_field == 4'd3),
      .waddr(cfg_g), .wdata(cfg_data[V-1:0]), .raddr(ue_group), .rdata(gp_r));
  glif_ram #(.LW(V), .DEPTH(G)) u_gp_theta (.clk(clk),
      .we(cfg_group && cfg_field == 4'd4), .waddr(cfg_g), .wdata(cfg_data[V-1:0]),
      .raddr(ue_group), .rdata(gp_theta));
  glif_ram #(.LW(A), .DEPTH(G)) u_gp_bias (.clk(clk), .we(cfg_group && cfg_field == 4'd5),
      .waddr(cfg_g), .wdata(cfg_data[A-1:0]), .raddr(ue_group), .rdata(gp_bias));
  glif_ram #(.LW(2), .DEPTH(G)) u_gp_kind (.clk(clk), .we(cfg_group && cfg_field == 4'd6),
      .waddr(cfg_g), .wdata(cfg_data[1:0]), .raddr(ue_group), .rdata(gp_kind));
  // The group shifts are only read by the configuration: writing a neuron's group
  // copies that group's shift into the neuron's column of u_col_shift, which the input
  // engine reads L at a time (load the groups before the neurons).
  glif_ram #(.LW(MW), .DEPTH(G)) u_gp_shift (.clk(clk),
      .we(cfg_group && cfg_field == 4'd7), .waddr(cfg_g), .wdata(cfg_data[MW-1:0]),
      .raddr(cfg_data[GW-1:0]), .rdata(cfg_shift));

  // Gain table: word g * TMAX + t is the gain of logical step t + 1 of group g.
  wire [GAW-1:0] ue_gain_addr;
  wire [    F:0] gp_gain;
  glif_ram #(.LW(F + 1), .DEPTH(G * TMAX)) u_gain (.clk(clk),
      .we(cfg_we && cfg_table == T_GAIN),
      .waddr(GAW'(cfg_hi[GW-1:0] * TMAX) + GAW'(cfg_lo)), .wdata(cfg_data[F:0]),
      .raddr(ue_gain_addr), .rdata(gp_gain));

  // Neuron table: first fan-out entry and entry count (UE reads them at issue).
  wire [ NW-1:0] ue_j;
  wire [ EW-1:0] nt_fstart;
  wire [ECW-1:0] nt_fcount;
  glif_ram #(.LW(EW), .DEPTH(N)) u_nt_fstart (.clk(clk),
      .we(cfg_neuron && cfg_field == 4'd1), .waddr(cfg_addr[NW-1:0]),
      .wdata(cfg_data[EW-1:0]), .raddr(ue_j), .rdata(nt_fstart));
  glif_ram #(.LW(ECW), .DEPTH(N)) u_nt_fcount (.clk(clk),
      .we(cfg_neuron && cfg_field == 4'd2), .waddr(cfg_addr[NW-1:0]),
      .wdata(cfg_data[ECW-1:0]), .raddr(ue_j), .rdata(nt_fcount));

  // Column shifts, L per word like the crossbar: chunk k holds columns kL .. kL+L-1.
  wire [      KW-1:0] ie_chunk;
  wire [L*MW-1:0]     col_shift;
  wire [NW-1:0]       cfg_col = cfg_addr[NW-1:0];
  glif_ram #(.LW(MW), .LANES(L), .DEPTH(KMAX)) u_col_shift (.clk(clk),
      .we((cfg_neuron && cfg_field == 4'd0) ? (L'(1) << (32'(cfg_col) % L)) : {L{1'b0}}),
      .waddr(KW'(32'(cfg_col) / L)), .wdata({L{cfg_shift}}), .raddr(ie_chunk),
      .rdata(col_shift));

  // Axon flags (bit 0: graded), read by the input engine's axon lookup.
  wire [AXW-1:0] ib_axon;
  wire           ax_graded;
  glif_ram #(.LW(1), .DEPTH(AXONS)) u_axon (.clk(clk), .we(cfg_we && cfg_table == T_AXON),
      .waddr(cfg_addr[AXW-1:0]), .wdata(cfg_data[0]), .raddr(ib_axon), .rdata(ax_graded));

  // Crossbar: word a * KMAX + k holds the weights of axon a, columns kL .. kL+L-1.
  wire [     XBW-1:0] ie_xb_addr;
  wire [   L*W-1:0]   xb_row;
  wire [NW-1:0]       cfg_wcol = cfg_lo[NW-1:0];
  glif_ram #(.LW(W), .LANES(L), .DEPTH(AXONS * KMAX)) u_xbar (.clk(clk),
      .we((cfg_we && cfg_table == T_WEIGHT) ? (L'(1) << (32'(cfg_wcol) % L)) : {L{1'b0}}),
      .waddr(XBW'(cfg_hi[AXW-1:0] * KMAX) + XBW'(32'(cfg_wcol) / L)),
      .wdata({L{cfg_data[W-1:0]}}), .raddr(ie_xb_addr), .rdata(xb_row));

  // Fan-out table, one RAM per field, read by the output engine.
  wire [EW-1:0] oe_entry;
  wire [EW-1:0] cfg_e = cfg_addr[EW-1:0];
  wire          fo_graded;
  glif_ram #(.LW(XW), .DEPTH(E)) u_fo_x (.clk(clk), .we(cfg_fanout && cfg_field == 4'd0),
      .waddr(cfg_e), .wdata(cfg_data[XW-1:0]), .raddr(oe_entry), .rdata(out_x));
  glif_ram #(.LW(YW), .DEPTH(E)) u_fo_y (.clk(clk), .we(cfg_fanout && cfg_field == 4'd1),
      .waddr(cfg_e), .wdata(cfg_data[YW-1:0]), .raddr(oe_entry), .rdata(out_y));
  glif_ram #(.LW(AXW), .DEPTH(E)) u_fo_axon (.clk(clk),
      .we(cfg_fanout && cfg_field == 4'd2), .waddr(cfg_e), .wdata(cfg_data[AXW-1:0]),
      .raddr(oe_entry), .rdata(out_axon));
  glif_ram #(.LW(DW), .DEPTH(E)) u_fo_delay (.clk(clk),
      .we(cfg_fanout && cfg_field == 4'd3), .waddr(cfg_e), .wdata(cfg_data[DW-1:0]),
      .raddr(oe_entry), .rdata(out_delay));
  glif_ram #(.LW(1), .DEPTH(E)) u_fo_flags (.clk(clk),
      .we(cfg_fanout && cfg_field == 4'd4), .waddr(cfg_e), .wdata(cfg_data[0]),
      .raddr(oe_entry), .rdata(fo_graded));

  // =====================================================================================
  // Tick control and the clear engine
  // =====================================================================================
  reg [  TW-1:0] cur_tick;   // h
  reg [  DW-1:0] cur_slot;   // h mod D: the slot the update engine reads and clears
  reg            clearing;
  reg [ CLW-1:0] clr_idx;    // neuron / accumulator row being cleared

  // A group is active in ticks first .. first + T - 1 (compared without wrap-around).
  reg [G-1:0] grp_act;
  reg [N-1:0] act_vec;
  always @* begin
    for (i = 0; i < G; i = i + 1)
      grp_act[i] = (tick_h >= gp_first[i]) && ((tick_h - gp_first[i]) < TW'(n_steps));
    for (i = 0; i < N; i = i + 1)
      act_vec[i] = (NCW'(i) < n_neurons) && grp_act[nt_group[i]];
  end

  // =====================================================================================
  // Update engine: issue (stage 1, combinational), S - 1 pipeline registers, write-back
  // =====================================================================================
  reg [N-1:0] pend;          // active neurons not issued yet this tick
  reg [NW-1:0] pick;         // lowest index in pend
  always @* begin
    pick = {NW{1'b0}};
    for (i = N - 1; i >= 0; i = i - 1) if (pend[i]) pick = NW'(i);
  end
  wire issue = (pend != {N{1'b0}});
  assign ue_j = pick;
  assign ue_group = nt_group[pick];
  wire [TW-1:0] ue_step = cur_tick - gp_first[ue_group];  // logical step - 1
  assign ue_gain_addr = GAW'(ue_group * TMAX) + GAW'(ue_step);

  // Neuron state: port 0 for the update engine, port 1 for the debug read.
  wire [   V:0] st_rd_ue, st_rd_dbg;
  wire          wbk;           // write-back this cycle
  wire [NW-1:0] wbk_j;
  wire [   V:0] wbk_state;     // {s, u}
  glif_ram #(.LW(V + 1), .DEPTH(N), .NR(2)) u_state (.clk(clk),
      .we(clearing || wbk), .waddr(clearing ? NW'(clr_idx) : wbk_j),
      .wdata(clearing ? {(V + 1) {1'b0}} : wbk_state), .raddr({dbg_neuron, pick}),
      .rdata({st_rd_dbg, st_rd_ue}));
  assign dbg_u = st_rd_dbg[V-1:0];
  assign dbg_s = st_rd_dbg[V];

  // ---- accumulators: D banks of KMAX words of L lanes -------------------------------
  // The update engine reads and clears slot h mod D; the input engine writes slots
  // (h + 1 + delay) mod D != h mod D, so each bank has one writer per cycle.
  reg            ie_busy;
  reg  [ KW-1:0] ie_k;          // chunk being accumulated
  reg  [AXW-1:0] ie_axon;
  reg  [ DW-1:0] ie_slot;
  reg            ie_graded;
  reg signed [PW-1:0] ie_payload;
  wire [ KW-1:0] ue_row = KW'(32'(pick) / L);
  wire [L-1:0]   ue_lane = L'(1) << (32'(pick) % L);
  wire [L*A-1:0] ie_sum;        // the accumulated row (input engine)
  wire [L-1:0]   ie_lanes;      // lanes holding columns < n_neurons
  wire [D*L*A-1:0] bank_rd;
  generate
    for (gi = 0; gi < D; gi = gi + 1) begin : g_bank
      wire ue_here = (cur_slot == DW'(gi));
      wire ie_here = ie_busy && (ie_slot == DW'(gi));
      wire clr_here = clearing && (clr_idx < CLW'(KMAX));
      wire [L-1:0] we = clearing ? {L{clr_here}} : ie_here ? ie_lanes :
                        (ue_here && issue) ? ue_lane : {L{1'b0}};
      wire [KW-1:0] wa = clearing ? KW'(clr_idx) : ie_here ? ie_k : ue_row;
      wire [L*A-1:0] wd = (ie_here && !clearing) ? ie_sum : {(L * A) {1'b0}};
      glif_ram #(.LW(A), .LANES(L), .DEPTH(KMAX)) u_acc (.clk(clk), .we(we), .waddr(wa),
          .wdata(wd), .raddr(ue_here ? ue_row : ie_k), .rdata(bank_rd[gi*L*A+:L*A]));
    end
  endgenerate
  wire [L*A-1:0] ue_bank = bank_rd[cur_slot*L*A+:L*A];
  wire signed [A-1:0] ue_x = ue_bank[(32'(pick)%L)*A+:A];

  // ---- the neuron datapath ------------------------------------------------------------
  wire signed [V-1:0] nx_u;
  wire                nx_s, nx_emit;
  wire signed [P-1:0] nx_pay;
  glif_neuron #(.V(V), .A(A), .F(F), .P(P)) u_neuron (
      .param_k(gp_k), .param_ks(gp_ks), .param_d(gp_d), .param_r(gp_r),
      .param_theta(gp_theta), .param_bias(gp_bias), .param_g(gp_gain),
      .param_kind(gp_kind), .state_u(st_rd_ue[V-1:0]), .state_s(st_rd_ue[V]),
      .event_x(ue_x), .next_u(nx_u), .next_s(nx_s), .emit(nx_emit), .payload(nx_pay));

  // ---- S-stage pipeline: stage 1 is the cycle of issue, write-back ends stage S ------
  // word: {valid, j, u, s, emit, payload, fan-out start, fan-out count}
  localparam integer PIPEW = 1 + NW + V + 1 + 1 + P + EW + ECW;
  wire [PIPEW-1:0] stage1 = {issue, pick, nx_u, nx_s, nx_emit, nx_pay, nt_fstart,
                             nt_fcount};
  wire [PIPEW-1:0] last;
  wire             pipe_busy;
  generate
    if (S == 1) begin : g_comb
      assign last = stage1;
      assign pipe_busy = 1'b0;
    end else begin : g_pipe
      (* mem2reg *) reg [PIPEW-1:0] pipe[1:S-1];
      reg [S-1:1] pvalid;
      always @(posedge clk) begin
        if (rst) begin
          for (i = 1; i <= S - 1; i = i + 1) pipe[i] <= {PIPEW{1'b0}};
        end else begin
          pipe[1] <= stage1;
          for (i = 2; i <= S - 1; i = i + 1) pipe[i] <= pipe[i-1];
        end
      end
      always @* for (i = 1; i <= S - 1; i = i + 1) pvalid[i] = pipe[i][PIPEW-1];
      assign last = pipe[S-1];
      assign pipe_busy = (pvalid != {(S - 1) {1'b0}});
    end
  endgenerate

  wire [ECW-1:0] last_fcount = last[ECW-1:0];
  wire [ EW-1:0] last_fstart = last[ECW+:EW];
  wire signed [P-1:0] last_pay = last[ECW+EW+:P];
  wire last_emit = last[ECW+EW+P];
  assign wbk = last[PIPEW-1] && !clearing;
  assign wbk_j = last[PIPEW-2-:NW];
  assign wbk_state = {wb_s, wb_u};  // stored as {s, u}
  assign wb_valid = wbk;
  assign wb_neuron = wbk_j;
  assign wb_u = last[PIPEW-2-NW-:V];
  assign wb_s = last[ECW+EW+P+1];
  assign wb_emit = last_emit;
  assign wb_payload = last_pay;
  assign ue_active = issue || pipe_busy;

  // =====================================================================================
  // Spike queue and output engine
  // =====================================================================================
  localparam integer QCW = $clog2(N + 1);
  wire [QEW-1:0] q_head;
  wire [QCW-1:0] q_count;
  reg  [ECW-1:0] oe_idx;       // next entry of the oldest emission
  wire q_push = wbk && last_emit && (last_fcount != {ECW{1'b0}});
  wire [ECW-1:0] head_fcount = q_head[ECW-1:0];
  wire [ EW-1:0] head_fstart = q_head[ECW+:EW];
  wire signed [P-1:0] head_pay = q_head[ECW+EW+:P];
  wire sent = out_valid && out_ready;
  wire q_pop = sent && (oe_idx + ECW'(1) == head_fcount);
  glif_fifo #(.WIDTH(QEW), .DEPTH(N), .CW(QCW)) u_spikeq (.clk(clk), .rst(rst || clearing),
      .push(q_push), .din({last_pay, last_fstart, last_fcount}), .pop(q_pop),
      .head(q_head), .count(q_count));
  assign out_valid = (q_count != {QCW{1'b0}});
  assign oe_entry = head_fstart + EW'(oe_idx);
  assign out_graded = fo_graded;
  assign out_payload = fo_graded ? PW'(head_pay) : {PW{1'b0}};

  // =====================================================================================
  // Input buffer and input engine
  // =====================================================================================
  wire [IBW-1:0] ib_head;
  wire [BCW-1:0] ib_count;
  wire ie_pop = !ie_busy && (ib_count != {BCW{1'b0}}) && !clearing;
  glif_fifo #(.WIDTH(IBW), .DEPTH(BC), .CW(BCW)) u_inbuf (.clk(clk), .rst(rst),
      .push(in_valid && in_ready), .din({in_axon, in_delay, in_graded, in_payload}),
      .pop(ie_pop), .head(ib_head), .count(ib_count));
  assign in_ready = (ib_count != BCW'(BC));
  assign ib_axon = ib_head[IBW-1-:AXW];
  wire [DW-1:0] ib_delay = ib_head[PW+1+:DW];
  wire ib_graded = ib_head[PW];
  wire signed [PW-1:0] ib_payload = ib_head[PW-1:0];
  // slot (h + 1 + delay) mod D, computed at the axon lookup
  wire [DW+1:0] ib_slot_sum = {2'b00, cur_slot} + {2'b00, ib_delay} + 1'b1;
  wire [DW-1:0] ib_slot = DW'(ib_slot_sum % (DW + 2)'(D));
  assign ie_active = ie_busy || ie_pop;
  assign ie_start = ie_pop;
  assign in_count = ib_count;

  // ---- one crossbar chunk: L lanes of weight x (shift or payload) + accumulator --------
  // Binary: w << M of the column's group; graded: w * payload. The addend and the sum are
  // formed at CW bits (no overflow) and saturated once to A bits, as in docs/timing.md.
  localparam integer NZW = $clog2(L + 1);
  assign ie_chunk = ie_k;
  assign ie_xb_addr = XBW'(ie_axon * KMAX) + XBW'(ie_k);
  wire [L*A-1:0] ie_bank = bank_rd[ie_slot*L*A+:L*A];
  wire [L-1:0]   lane_nz;       // lanes with a column < n_neurons and a non-zero weight
  generate
    for (gi = 0; gi < L; gi = gi + 1) begin : g_lane
      wire signed [  W-1:0] w = xb_row[gi*W+:W];
      wire        [ MW-1:0] sh = col_shift[gi*MW+:MW];
      wire signed [ CW-1:0] wx = CW'(w);
      wire signed [ CW-1:0] add = ie_graded ? wx * CW'(ie_payload) : wx <<< sh;
      wire signed [ CW-1:0] acc = CW'($signed(ie_bank[gi*A+:A])) + add;
      wire        [   31:0] col = 32'(ie_k) * 32'(L) + 32'(gi);
      glif_sat #(.IW(CW), .OW(A)) u_sat (.in(acc), .out(ie_sum[gi*A+:A]));
      assign ie_lanes[gi] = col < 32'(n_neurons);
      assign lane_nz[gi] = ie_lanes[gi] && (w != {W{1'b0}});
    end
  endgenerate
  reg [NZW-1:0] nnz;            // non-zero weights accumulated in this chunk
  always @* begin
    nnz = {NZW{1'b0}};
    for (i = 0; i < L; i = i + 1) nnz = nnz + NZW'(lane_nz[i]);
  end

  // =====================================================================================
  // Sequential control
  // =====================================================================================
  wire ie_last = (ie_k == KW'(n_chunks - 1'b1));
  wire busy_any = issue || pipe_busy || ie_busy || (ib_count != {BCW{1'b0}}) ||
                  (q_count != {QCW{1'b0}}) || clearing;
  assign idle = !busy_any;

  always @(posedge clk) begin
    if (rst) begin
      clearing <= 1'b1;
      clr_idx <= {CLW{1'b0}};
      pend <= {N{1'b0}};
      ie_busy <= 1'b0;
      oe_idx <= {ECW{1'b0}};
      err <= 3'b000;
    end else begin
      // clear engine: one state word and one accumulator row of every bank per cycle
      if (clear) begin
        clearing <= 1'b1;
        clr_idx <= {CLW{1'b0}};
      end else if (clearing) begin
        clr_idx <= clr_idx + 1'b1;
        if (clr_idx == CLW'(N - 1)) clearing <= 1'b0;
      end
      // tick start: latch h, the slot, and the active neurons
      if (tick_start) begin
        cur_tick <= tick_h;
        cur_slot <= DW'(tick_h % TW'(D));
        pend <= act_vec;
        if (busy_any) err[1] <= 1'b1;
      end else if (issue) begin
        pend[pick] <= 1'b0;
      end
      // input engine
      if (ie_pop) begin
        ie_busy <= 1'b1;
        ie_k <= {KW{1'b0}};
        ie_axon <= ib_axon;
        ie_slot <= ib_slot;
        ie_graded <= ib_graded;
        ie_payload <= ib_payload;
        if (ax_graded != ib_graded) err[0] <= 1'b1;
        if (ib_slot == cur_slot) err[2] <= 1'b1;
      end else if (ie_busy) begin
        ie_k <= ie_k + 1'b1;
        if (ie_last) ie_busy <= 1'b0;
      end
      // output engine
      if (sent) oe_idx <= q_pop ? {ECW{1'b0}} : oe_idx + ECW'(1);
    end
  end

  // Event counters (free-running, wrap at 2^32: readers take differences).
  always @(posedge clk) begin
    if (rst) begin
      cnt_synops <= 32'd0;
      cnt_macs <= 32'd0;
      cnt_row_reads <= 32'd0;
      cnt_updates <= 32'd0;
      cnt_spikes <= 32'd0;
      cnt_packets <= 32'd0;
    end else begin
      if (ie_busy && !ie_graded) cnt_synops <= cnt_synops + 32'(nnz);
      if (ie_busy && ie_graded) cnt_macs <= cnt_macs + 32'(nnz);
      if (ie_pop) cnt_row_reads <= cnt_row_reads + 32'd1;
      if (issue) cnt_updates <= cnt_updates + 32'd1;
      if (wbk && last_emit) cnt_spikes <= cnt_spikes + 32'd1;
      if (sent) cnt_packets <= cnt_packets + 32'd1;
    end
  end

  // cfg_data bits above the widest field, and address bits above the table sizes,
  // are ignored by design (one 32-bit port serves every table); the logical step
  // ue_step is below T <= TMAX, so its upper bits are never needed.
  wire unused_ok = &{1'b0, cfg_data, cfg_addr, cfg_hi, cfg_lo, ue_step};
endmodule

`default_nettype wire
