// glif_ram.v - the one RAM of the design: synchronous write with lane enables,
// combinational (asynchronous) read on NR ports.
//
// Pipeline position: every table and state memory of glif_core is an instance of this
// module, so there is exactly one memory style to read, to synthesise (yosys infers a
// $mem cell; scripts/synth.sh reports its bits apart from logic) and to reason about.
//
// Why combinational read: docs/timing.md issues the i-th neuron in cycle i and lets a
// packet's first crossbar row be accumulated one cycle after its axon lookup; with a
// pipeline depth S = 1 the neuron's state, parameters and accumulator must be read and
// written back in the same cycle. A combinational read keeps every cycle count of the
// contract for every S >= 1 (a latch- or LUT-RAM, or a register file, in an ASIC or
// FPGA flow). A registered-read SRAM would need S >= 2 and an extra cycle of axon lookup.
//
// Write: in the cycle we[l] is high, lane l (LW bits) of word waddr takes wdata's lane l
// at the clock edge; the new value is read from the next cycle on (read-before-write in
// the writing cycle, as every decision of the contract looks at the start of a cycle).
`default_nettype none

module glif_ram #(
    parameter integer LW    = 8,    // bits per lane
    parameter integer LANES = 1,    // lanes per word (separately writable)
    parameter integer DEPTH = 16,   // words
    parameter integer NR    = 1,    // read ports
    parameter integer AW    = (DEPTH > 1) ? $clog2(DEPTH) : 1  // address bits
) (
    input  wire                     clk,
    input  wire [        LANES-1:0] we,     // lane write enables
    input  wire [           AW-1:0] waddr,
    input  wire [   LANES*LW-1:0]   wdata,
    input  wire [        NR*AW-1:0] raddr,  // port p: bits [p*AW +: AW]
    output wire [NR*LANES*LW-1:0]   rdata   // port p: bits [p*LANES*LW +: LANES*LW]
);
  reg [LANES*LW-1:0] mem[0:DEPTH-1];

  integer l;
  always @(posedge clk) begin
    for (l = 0; l < LANES; l = l + 1)
      if (we[l]) mem[waddr][l*LW+:LW] <= wdata[l*LW+:LW];
  end

  genvar p;
  generate
    for (p = 0; p < NR; p = p + 1) begin : g_read
      assign rdata[p*LANES*LW+:LANES*LW] = mem[raddr[p*AW+:AW]];
    end
  endgenerate
endmodule

`default_nettype wire
